// Key-based verification of cosign signatures, pure: no registry access. Two formats exist, and
// source-controller (through cosign's library) accepts both:
// - cosign v2 "simple signing": a `sha256-<hex>.sig` tag whose manifest's layers are JSON payloads
//   (`application/vnd.dev.cosign.simplesigning.v1+json`) naming the signed manifest digest, each with its
//   signature (base64, over the payload bytes) in the layer annotation `dev.cosignproject.cosign/signature`;
// - cosign v3 Sigstore bundles (`application/vnd.dev.sigstore.bundle.v0.3+json`), attached as OCI 1.1
//   referrers: a DSSE envelope around an in-toto statement whose subject is the signed manifest digest; the
//   signature covers the DSSE pre-authentication encoding of the payload.
// A signature counts only when it verifies with one of the trusted keys AND names the artifact's digest.
import { createPublicKey, verify, type KeyObject } from 'node:crypto';

/** Media types and annotation keys cosign writes. */
export const CosignTypes = {
  simpleSigning: 'application/vnd.dev.cosign.simplesigning.v1+json',
  signatureAnnotation: 'dev.cosignproject.cosign/signature',
  bundle: 'application/vnd.dev.sigstore.bundle.v0.3+json',
  /** Earlier bundle media types sigstore-go reads as well. */
  bundleTypes: [
    'application/vnd.dev.sigstore.bundle.v0.3+json',
    'application/vnd.dev.sigstore.bundle+json;version=0.3',
    'application/vnd.dev.sigstore.bundle+json;version=0.2',
    'application/vnd.dev.sigstore.bundle+json;version=0.1',
  ],
  inTotoPayload: 'application/vnd.in-toto+json',
} as const;

/** A trusted public key and where it came from (the Secret key name, for messages). */
export interface TrustedKey {
  name: string;
  key: KeyObject;
}

/**
 * Parses the PEM public keys of a verification Secret: every key whose name ends in `.pub`, as
 * source-controller reads them. Throws with the key's name (never its content) when one does not parse.
 */
export function trustedKeysFromSecret(data: Record<string, string>): TrustedKey[] {
  const keys: TrustedKey[] = [];
  for (const [name, pem] of Object.entries(data).sort(([a], [b]) => a.localeCompare(b))) {
    if (!name.endsWith('.pub')) continue;
    try {
      keys.push({ name, key: createPublicKey(pem) });
    } catch (err) {
      throw new Error(`public key '${name}' is not a PEM-encoded public key: ${(err as Error).message}`);
    }
  }
  return keys;
}

/**
 * True when `signature` is a valid signature of `data` by `key`: ECDSA (DER signatures, as cosign writes
 * them) and RSA PKCS#1 v1.5 over SHA-256, or Ed25519 over the data itself, the key types cosign signs with.
 */
export function signatureValid(key: KeyObject, data: Buffer, signature: Buffer): boolean {
  try {
    const algorithm = key.asymmetricKeyType === 'ed25519' ? null : 'sha256';
    return verify(algorithm, data, key, signature);
  } catch {
    return false;
  }
}

/** The first trusted key that verifies `signature` over `data`, or undefined. */
function verifiedBy(keys: TrustedKey[], data: Buffer, signature: Buffer): TrustedKey | undefined {
  return keys.find((k) => signatureValid(k.key, data, signature));
}

/** What a signature check found: the key that verified it and the signature's format. */
export interface SignatureMatch {
  key: string;
  format: 'simple-signing' | 'bundle';
}

/**
 * Checks one simple-signing payload and its base64 signature: the signature must verify with a trusted key
 * and the payload's `critical.image.docker-manifest-digest` must be `digest` (cosign's claim check).
 */
export function verifySimpleSigning(
  payload: Buffer,
  signatureB64: string | undefined,
  keys: TrustedKey[],
  digest: string,
): SignatureMatch | undefined {
  if (!signatureB64) return undefined;
  const key = verifiedBy(keys, payload, Buffer.from(signatureB64, 'base64'));
  if (!key) return undefined;
  let doc: { critical?: { image?: { 'docker-manifest-digest'?: unknown }; type?: unknown } };
  try {
    doc = JSON.parse(payload.toString('utf8')) as typeof doc;
  } catch {
    return undefined;
  }
  if (doc.critical?.image?.['docker-manifest-digest'] !== digest) return undefined;
  return { key: key.name, format: 'simple-signing' };
}

/** DSSE's pre-authentication encoding: `DSSEv1 <len(type)> <type> <len(body)> <body>`. */
export function dssePae(payloadType: string, body: Buffer): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${type.length} `, 'utf8'),
    type,
    Buffer.from(` ${body.length} `, 'utf8'),
    body,
  ]);
}

interface BundleDoc {
  dsseEnvelope?: { payload?: unknown; payloadType?: unknown; signatures?: { sig?: unknown }[] };
}

/**
 * Checks one Sigstore bundle (JSON), as `cosign sign` v3 writes it for an image: a DSSE envelope whose
 * in-toto statement has the artifact's digest as a subject, signed (over the PAE) by a trusted key. A
 * bundle with a bare message signature (what `cosign sign-blob` makes) signs no image and does not count.
 */
export function verifyBundle(bundle: Buffer, keys: TrustedKey[], digest: string): SignatureMatch | undefined {
  let doc: BundleDoc;
  try {
    doc = JSON.parse(bundle.toString('utf8')) as BundleDoc;
  } catch {
    return undefined;
  }
  const [algorithm, hex] = digest.split(':');
  const env = doc.dsseEnvelope;
  if (env && typeof env.payload === 'string' && typeof env.payloadType === 'string') {
    if (env.payloadType !== CosignTypes.inTotoPayload) return undefined;
    const body = Buffer.from(env.payload, 'base64');
    const pae = dssePae(env.payloadType, body);
    const key = (env.signatures ?? [])
      .map((s) => (typeof s.sig === 'string' ? verifiedBy(keys, pae, Buffer.from(s.sig, 'base64')) : undefined))
      .find((k) => k !== undefined);
    if (!key) return undefined;
    let statement: { subject?: { digest?: Record<string, unknown> }[] };
    try {
      statement = JSON.parse(body.toString('utf8')) as typeof statement;
    } catch {
      return undefined;
    }
    const names = (statement.subject ?? []).some((s) => algorithm && s.digest?.[algorithm] === hex);
    return names ? { key: key.name, format: 'bundle' } : undefined;
  }
  return undefined;
}
