// Pure helpers for SOPS decryption: which format a file is, whether it is encrypted, which key types it lists,
// and which private keys a decryption Secret holds. Nothing here runs a process or touches the disk.
import { parse } from 'yaml';
import { isRecord } from '../util/is-record.ts';
import { UnsupportedKeyTypeError } from './sops-errors.ts';

/** The file formats `sops` reads and writes; `binary` is a JSON envelope at rest. */
export type SopsFormat = 'yaml' | 'json' | 'dotenv' | 'ini' | 'binary';

/** The format sops infers from a file name, as `sops` itself does: by case-sensitive suffix, anything else binary. */
export function formatForPath(file: string): SopsFormat {
  if (file.endsWith('.yaml') || file.endsWith('.yml')) return 'yaml';
  if (file.endsWith('.json')) return 'json';
  if (file.endsWith('.env')) return 'dotenv';
  if (file.endsWith('.ini')) return 'ini';
  return 'binary';
}

// The marker each format carries once sops has encrypted it (the encrypted MAC, or INI's metadata section).
const markers: Record<SopsFormat, RegExp> = {
  yaml: /^\s*mac: ENC\[/m,
  json: /"mac":\s*"ENC\[/,
  binary: /"mac":\s*"ENC\[/,
  dotenv: /^sops_mac=ENC\[/m,
  ini: /^\[sops\]\s*$/m,
};

/** True when `text` in `format` carries sops metadata (an encrypted MAC); plain files are left as they are. */
export function isSopsEncrypted(text: string, format: SopsFormat): boolean {
  return markers[format].test(text);
}

/** Key types sops can decrypt with a private key from the decryption Secret. */
export const LOCAL_KEY_TYPES: ReadonlySet<string> = new Set(['age', 'pgp']);

/** Every key type sops records in its metadata (cloud KMS and Vault ones need credentials Driftless does not take). */
export const KNOWN_KEY_TYPES = ['age', 'pgp', 'kms', 'gcp_kms', 'azure_kv', 'hc_vault', 'hckms'] as const;

const flatKeyType = new RegExp(
  `(?:^|__map_)(${[...KNOWN_KEY_TYPES].sort((a, b) => b.length - a.length).join('|')})__list_\\d+__map_`,
);

/**
 * The key types (age, pgp, kms, gcp_kms, azure_kv, hc_vault, hckms) that encrypted the data key of a sops file,
 * read from its metadata (top level and `key_groups`). Unreadable metadata gives an empty set: sops reports it.
 */
export function sopsKeyTypes(text: string, format: SopsFormat): Set<string> {
  if (format === 'dotenv' || format === 'ini') return flatKeyTypes(text, format);
  let doc: unknown;
  try {
    doc = parse(text, { maxAliasCount: 100 }) as unknown;
  } catch {
    return new Set();
  }
  return isRecord(doc) ? metadataKeyTypes(doc['sops']) : new Set();
}

/** The key types listed by a parsed `sops` metadata map (as found on a built Secret). */
export function metadataKeyTypes(sops: unknown): Set<string> {
  const types = new Set<string>();
  if (!isRecord(sops)) return types;
  const groups = Array.isArray(sops['key_groups']) ? sops['key_groups'] : [];
  for (const group of [sops, ...groups]) {
    if (!isRecord(group)) continue;
    for (const type of KNOWN_KEY_TYPES) {
      const entries = group[type];
      if (Array.isArray(entries) && entries.length > 0) types.add(type);
    }
  }
  return types;
}

function flatKeyTypes(text: string, format: 'dotenv' | 'ini'): Set<string> {
  const types = new Set<string>();
  let inSops = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (format === 'ini' && line.startsWith('[')) inSops = line === '[sops]';
    const key = line.split('=')[0]?.trim() ?? '';
    const name = format === 'dotenv' ? (key.startsWith('sops_') ? key.slice(5) : undefined) : inSops ? key : undefined;
    const type = name === undefined ? undefined : flatKeyType.exec(name)?.[1];
    if (type) types.add(type);
  }
  return types;
}

/**
 * Refuses a file whose data key only a cloud KMS or Vault could unwrap, naming the file and the key types, before
 * sops is run (it would fail with an opaque "could not retrieve key" instead). Files with no readable key types, or
 * with at least one age or pgp recipient, pass.
 */
export function checkKeyTypes(types: ReadonlySet<string>, source: string): void {
  if (types.size === 0 || [...types].some((t) => LOCAL_KEY_TYPES.has(t))) return;
  const named = [...types].sort().join(', ');
  throw new UnsupportedKeyTypeError({
    source,
    keyTypes: [...types].sort(),
    message:
      `${source} is encrypted only with ${named}, which Driftless does not support yet: ` +
      `add an age or pgp recipient (sops updatekeys) and put its private key in the decryption Secret`,
  });
}

/** Private keys from a decryption Secret: age identity files and armored OpenPGP private keys. */
export type SopsKeys = { ageIdentities: string[]; pgpKeys: string[] };

/**
 * Reads the keys of a decryption Secret's `data` (base64 values) as Flux does: entries whose name ends `.agekey`
 * hold age identities, `.asc` armored OpenPGP private keys; every other entry (Vault, KMS credentials) is ignored.
 * Entries are taken in name order so the result does not depend on map order.
 */
export function sopsKeysFromSecretData(data: Readonly<Record<string, string>> | undefined): SopsKeys {
  const keys: SopsKeys = { ageIdentities: [], pgpKeys: [] };
  for (const name of Object.keys(data ?? {}).sort()) {
    const value = Buffer.from(data?.[name] ?? '', 'base64').toString('utf8');
    if (name.endsWith('.agekey')) keys.ageIdentities.push(value);
    else if (name.endsWith('.asc')) keys.pgpKeys.push(value);
  }
  return keys;
}
