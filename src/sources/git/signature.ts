// Pure pieces of signature verification: where a Git object keeps its signature, which kind it is,
// how trusted keys are read, and what gpg said. No processes here (see verify-signature.ts).
import { createHash } from 'node:crypto';

/** What a signature is, by its armor, as source-controller names it; `empty` when there is none. */
export type SignatureType = 'openpgp' | 'ssh' | 'x509' | 'empty' | 'unknown';

const ARMOR: readonly (readonly [string, SignatureType])[] = [
  ['-----BEGIN PGP SIGNATURE-----', 'openpgp'],
  ['-----BEGIN SSH SIGNATURE-----', 'ssh'],
  ['-----BEGIN SIGNED MESSAGE-----', 'x509'],
];

/** The kind of `signature` by its first line. */
export function signatureType(signature: string): SignatureType {
  const text = signature.trim();
  if (text === '') return 'empty';
  return ARMOR.find(([prefix]) => text.startsWith(prefix))?.[1] ?? 'unknown';
}

/** A Git object split into the bytes that were signed and the armored signature (`''` when unsigned). */
export interface SignedPayload {
  payload: Buffer;
  signature: string;
}

/**
 * Splits a raw commit object (`git cat-file commit`) into the signed payload — the object without its
 * `gpgsig` header — and the signature. Works on bytes: a commit may hold any encoding.
 */
export function splitCommitSignature(raw: Buffer): SignedPayload {
  // latin1 maps each byte to one code unit and back, so the payload keeps its exact bytes.
  const text = raw.toString('latin1');
  const headerEnd = text.indexOf('\n\n');
  const headers = (headerEnd < 0 ? text : text.slice(0, headerEnd + 1)).split(/(?<=\n)/);
  const kept: string[] = [];
  const signature: string[] = [];
  let inSignature = false;
  for (const line of headers) {
    if (line.startsWith('gpgsig ')) {
      inSignature = true;
      signature.push(line.slice('gpgsig '.length));
    } else if (inSignature && line.startsWith(' ')) {
      signature.push(line.slice(1));
    } else {
      inSignature = false;
      kept.push(line);
    }
  }
  const body = headerEnd < 0 ? '' : text.slice(headerEnd + 1);
  return {
    payload: Buffer.from(kept.join('') + body, 'latin1'),
    signature: Buffer.from(signature.join(''), 'latin1').toString('utf8'),
  };
}

/** Splits a raw annotated tag object (`git cat-file tag`): the signature is the armored block that ends it. */
export function splitTagSignature(raw: Buffer): SignedPayload {
  const text = raw.toString('latin1');
  const headerEnd = text.indexOf('\n\n');
  let start = -1;
  // Git takes the last armor that starts a line of the message as the signature.
  for (const [prefix] of ARMOR) {
    const at = text.lastIndexOf(`\n${prefix}`);
    if (at > headerEnd && at + 1 > start) start = at + 1;
  }
  if (headerEnd < 0 || start < 0) return { payload: raw, signature: '' };
  return {
    payload: Buffer.from(text.slice(0, start), 'latin1'),
    signature: Buffer.from(text.slice(start), 'latin1').toString('utf8'),
  };
}

/** Trusted keys: armored OpenPGP key rings and SSH public keys in authorized_keys format. */
export interface VerificationKeys {
  pgp: string[];
  ssh: string[];
}

/** Secret key suffixes source-controller reads: `.sshpub` is SSH, `.asc` — and any other name — OpenPGP. */
export const SshPublicKeySuffix = '.sshpub';

/** The keys of a verification Secret's data, in key order, sorted by kind as source-controller sorts them. */
export function verificationKeysFromSecret(data: Readonly<Record<string, string>>): VerificationKeys {
  const keys: VerificationKeys = { pgp: [], ssh: [] };
  for (const name of Object.keys(data).sort()) {
    const value = data[name] ?? '';
    if (name.endsWith(SshPublicKeySuffix)) keys.ssh.push(value);
    else keys.pgp.push(value);
  }
  return keys;
}

/** One SSH public key: its algorithm and base64 blob as written in authorized_keys. */
export interface SshPublicKey {
  type: string;
  base64: string;
}

const SSH_KEY_TYPE =
  /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com)$/;

/**
 * The keys of an authorized_keys text (options before the key and comments after it are allowed);
 * throws naming the first line that holds no key.
 */
export function parseAuthorizedKeys(text: string): SshPublicKey[] {
  const keys: SshPublicKey[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    // Options may contain quoted spaces; the key type is the first bare token that names an algorithm.
    const tokens = line.match(/(?:[^\s"]+|"[^"]*")+/g) ?? [];
    const at = tokens.findIndex((t) => SSH_KEY_TYPE.test(t));
    const base64 = at < 0 ? undefined : tokens[at + 1];
    if (at < 0 || base64 === undefined || !/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) {
      throw new Error(`line ${i + 1} is not an SSH public key in authorized_keys format`);
    }
    keys.push({ type: tokens[at] ?? '', base64 });
  });
  return keys;
}

/** OpenSSH's SHA256 fingerprint of a key, e.g. `SHA256:uNiVztksCsDhcc0u9e8BgrJXVGDaf6s7kOsTmI9N7sM`. */
export function sshFingerprint(key: SshPublicKey): string {
  const digest = createHash('sha256').update(Buffer.from(key.base64, 'base64')).digest('base64');
  return `SHA256:${digest.replace(/=+$/, '')}`;
}

/** An allowed_signers file for `ssh-keygen -Y`: principal `key-<i>` for the i-th key, namespace `git` only. */
export function allowedSignersFile(keys: readonly SshPublicKey[]): string {
  return keys.map((k, i) => `key-${i} namespaces="git" ${k.type} ${k.base64}\n`).join('');
}

/** What `gpg --status-fd` reported for one detached signature. */
export interface GpgVerdict {
  /** A good signature by a key that is neither expired nor revoked. */
  good: boolean;
  /** Long key ID (16 upper-case hex digits) of the signer's primary key, as source-controller reports it. */
  keyId?: string;
}

/** Reads gpg's machine-readable status lines: GOODSIG means good, VALIDSIG names the primary key. */
export function parseGpgStatus(status: string): GpgVerdict {
  let good = false;
  let bad = false;
  let primary: string | undefined;
  for (const line of status.split('\n')) {
    const [tag, keyword, ...fields] = line.trim().split(/\s+/);
    if (tag !== '[GNUPG:]') continue;
    if (keyword === 'GOODSIG') good = true;
    // Any of these means the signature must not count, whatever else was printed.
    if (keyword && ['BADSIG', 'ERRSIG', 'EXPSIG', 'EXPKEYSIG', 'REVKEYSIG', 'NO_PUBKEY'].includes(keyword)) bad = true;
    // VALIDSIG <fpr> <date> <ts> <expire> <version> <reserved> <pk-algo> <hash-algo> <class> <primary-fpr>
    if (keyword === 'VALIDSIG') primary = fields[9] ?? fields[0];
  }
  if (!good || bad || primary === undefined) return { good: false };
  return { good: true, keyId: primary.slice(-16).toUpperCase() };
}
