// Finding an artifact's cosign signatures in the registry and checking them with trusted keys, the way
// source-controller's cosign verifier does: Sigstore bundles attached as referrers (cosign v3) first,
// through the referrers API or, on a registry without one, the `sha256-<hex>` referrers tag; when there
// are none, the cosign v2 `sha256-<hex>.sig` tag. Every document read is digest-checked and size-capped.
import type { RegistryClient } from './client.ts';
import {
  CosignTypes,
  verifyBundle,
  verifySimpleSigning,
  type SignatureMatch,
  type TrustedKey,
} from './cosign-verify.ts';
import { OciError, OciNotFoundError } from './errors.ts';
import { parseManifest, type Descriptor, type ImageManifest } from './manifest.ts';

/**
 * The artifact is not signed by any trusted key (source-controller's VerificationError): `unsigned` when no
 * signature is attached at all, `detail` what was found, after the `no matching signatures were found for
 * '<ref>': ` of the message.
 */
export class OciVerificationError extends OciError {
  override readonly name = 'OciVerificationError';
  constructor(
    ref: string,
    readonly unsigned: boolean,
    readonly detail: string,
  ) {
    super(`no matching signatures were found for '${ref}': ${detail}`);
  }
}

/** Largest signature payload or bundle read, and most signature manifests looked at. */
const MAX_SIGNATURE_BYTES = 1024 * 1024;
const MAX_CANDIDATES = 32;

/**
 * Verifies that `digest` (a manifest of `client`'s repository) carries a cosign signature by one of
 * `keys`; returns the first match. Throws OciVerificationError with source-controller's wording
 * (`no matching signatures were found for '<repo>@<digest>'`) and what was found, and lets registry
 * errors through (the caller reports them the same way).
 */
export async function verifyCosignSignature(
  client: RegistryClient,
  digest: string,
  keys: TrustedKey[],
): Promise<SignatureMatch> {
  const ref = `${client.registry}/${client.repository}@${digest}`;
  const keyNames = keys.map((k) => k.name).join(', ');
  if (keys.length === 0) {
    throw new OciVerificationError(ref, false, `the secret holds no public key (a key whose name ends in '.pub')`);
  }
  const bundles = await bundleManifests(client, digest);
  if (bundles.length > 0) {
    for (const manifest of bundles) {
      for (const layer of manifest.layers.filter((l) => isBundleType(l.mediaType))) {
        const match = verifyBundle(await client.blob(layer, MAX_SIGNATURE_BYTES), keys, digest);
        if (match) return match;
      }
    }
    throw new OciVerificationError(
      ref,
      false,
      `${bundles.length} Sigstore bundle(s) attached, none signed with ${keyNames}`,
    );
  }
  const sig = await simpleSigningManifest(client, digest);
  const layers = sig?.layers.filter((l) => l.mediaType === CosignTypes.simpleSigning).slice(0, MAX_CANDIDATES) ?? [];
  for (const layer of layers) {
    const payload = await client.blob(layer, MAX_SIGNATURE_BYTES);
    const match = verifySimpleSigning(payload, layer.annotations?.[CosignTypes.signatureAnnotation], keys, digest);
    if (match) return match;
  }
  throw new OciVerificationError(
    ref,
    layers.length === 0,
    layers.length === 0
      ? 'the artifact is not signed (no cosign signature or Sigstore bundle is attached)'
      : `${layers.length} cosign signature(s) attached, none valid for this digest with ${keyNames}`,
  );
}

const isBundleType = (mediaType: string | undefined): boolean =>
  mediaType !== undefined && (CosignTypes.bundleTypes as readonly string[]).includes(mediaType);

/** `sha256-<hex>`: the tag a digest's referrers (and, with `.sig`, its cosign v2 signatures) live under. */
const digestTag = (digest: string): string => digest.replace(':', '-');

/** The image manifests of the Sigstore bundles that refer to `digest`. */
async function bundleManifests(client: RegistryClient, digest: string): Promise<ImageManifest[]> {
  let referrers: Descriptor[] | undefined = await client.referrers(digest);
  if (referrers === undefined) referrers = await referrersTag(client, digest);
  const out: ImageManifest[] = [];
  for (const d of referrers.filter((r) => isBundleType(r.artifactType)).slice(0, MAX_CANDIDATES)) {
    const parsed = parseManifest((await client.manifest(d.digest)).body, d.mediaType);
    if (parsed.kind === 'manifest') out.push(parsed.manifest);
  }
  return out;
}

/** The referrers index a registry without the referrers API keeps under the `sha256-<hex>` tag. */
async function referrersTag(client: RegistryClient, digest: string): Promise<Descriptor[]> {
  try {
    const fetched = await client.manifest(digestTag(digest));
    const parsed = parseManifest(fetched.body, fetched.mediaType);
    return parsed.kind === 'index' ? parsed.index.manifests : [];
  } catch (err) {
    if (err instanceof OciNotFoundError) return [];
    throw err;
  }
}

/** The cosign v2 signature manifest (`sha256-<hex>.sig`), or undefined when there is none. */
async function simpleSigningManifest(client: RegistryClient, digest: string): Promise<ImageManifest | undefined> {
  try {
    const fetched = await client.manifest(`${digestTag(digest)}.sig`);
    const parsed = parseManifest(fetched.body, fetched.mediaType);
    return parsed.kind === 'manifest' ? parsed.manifest : undefined;
  } catch (err) {
    if (err instanceof OciNotFoundError) return undefined;
    throw err;
  }
}
