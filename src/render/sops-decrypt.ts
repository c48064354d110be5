// Where Flux decrypts: kustomize secretGenerator sources before the build, SOPS-encrypted Secrets after it.
import { randomBytes } from 'node:crypto';
import { readFile, realpath, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isRecord } from '../util/is-record.ts';
import { fieldValues, findKustomizationFile, readKustomization } from './kustomization-file.ts';
import { isRemoteReference } from './kustomization-guard.ts';
import { relativeTo, resolveInside } from './safe-path.ts';
import { DecryptionError } from './sops-errors.ts';
import { checkKeyTypes, formatForPath, isSopsEncrypted, metadataKeyTypes, sopsKeyTypes } from './sops-format.ts';
import type { SopsFormat } from './sops-format.ts';
import type { SopsSession } from './sops.ts';
import type { KubeObject } from './types.ts';

/** Largest encrypted file decrypted, as Flux (5 MiB). */
export const MAX_ENCRYPTED_FILE_BYTES = 5 * 1024 * 1024;

/** The annotation that turns decryption off for one object, and its value (compared case-insensitively). */
const DECRYPT_ANNOTATION = 'kustomize.toolkit.fluxcd.io/decrypt';

/** A file a secretGenerator reads: its reference as written and the format sops should read it in. */
export type GeneratorSource = { ref: string; format: SopsFormat };

/**
 * The files the `secretGenerator`s of one kustomization read: `files` (`[key=]path`, format by extension) and
 * `envs`/`env` (always dotenv). configMapGenerator sources are never decrypted, as in Flux: plaintext secrets must
 * not end up in a ConfigMap.
 */
export function generatorSources(kustomization: Record<string, unknown>): GeneratorSource[] {
  const out: GeneratorSource[] = [];
  for (const gen of list(kustomization, 'secretGenerator')) {
    if (!isRecord(gen)) continue;
    for (const entry of strings(gen, 'files')) {
      const ref = entry.slice(entry.indexOf('=') + 1);
      out.push({ ref, format: formatForPath(ref) });
    }
    for (const ref of [...strings(gen, 'envs'), ...strings(gen, 'env')]) out.push({ ref, format: 'dotenv' });
  }
  return out;
}

/** The local directories a kustomization builds on (`resources`, `bases`, `components`), remote ones left out. */
export function localBases(kustomization: Record<string, unknown>): string[] {
  return ['resources', 'bases', 'components']
    .flatMap((field) => strings(kustomization, field))
    .filter((ref) => !isRemoteReference(ref));
}

/**
 * Decrypts, in place, every SOPS-encrypted file that a secretGenerator reads, in the kustomization at `path` (the
 * Kustomization's `spec.path`, relative to `root`) and in every local kustomization it builds on. Each file is
 * replaced (temp file and rename, never written through a hard link or symlink) inside `root`, which must be a
 * private copy in a private directory. Paths that leave the root or do not exist are skipped here: the build's guard
 * and kustomize report them. The MAC is checked. Throws DecryptionError (or UnsupportedKeyTypeError) naming the file.
 */
export async function decryptGeneratorSources(opts: {
  root: string;
  path: string;
  session: SopsSession;
}): Promise<void> {
  const root = await realpath(opts.root);
  const start = await resolveInside(root, root, opts.path.replace(/^[/\\]+/, '') || '.');
  if (!start.inside || !start.exists) return;
  const seenDirs = new Set<string>();
  const seenFiles = new Set<string>();
  const visit = async (dir: string): Promise<void> => {
    if (seenDirs.has(dir) || !(await stat(dir)).isDirectory()) return;
    seenDirs.add(dir);
    const name = await findKustomizationFile(dir);
    if (!name) return;
    const k = await readKustomization(path.join(dir, name), relativeTo(root, path.join(dir, name)));
    for (const src of generatorSources(k)) {
      const file = await resolveInside(root, dir, src.ref);
      if (!file.inside || !file.exists || seenFiles.has(file.real)) continue;
      seenFiles.add(file.real);
      await decryptFile(root, file.real, src.format, opts.session);
    }
    for (const ref of localBases(k)) {
      const base = await resolveInside(root, dir, ref);
      if (base.inside && base.exists) await visit(base.real);
    }
  };
  await visit(start.real);
}

async function decryptFile(root: string, file: string, format: SopsFormat, session: SopsSession): Promise<void> {
  const source = relativeTo(root, file);
  const info = await stat(file);
  if (!info.isFile()) return;
  if (info.size > MAX_ENCRYPTED_FILE_BYTES) {
    // Too big to be a sops file worth decrypting; kustomize reads it as it is, like Flux.
    return;
  }
  const data = await readFile(file);
  const text = data.toString('utf8');
  if (!isSopsEncrypted(text, format)) return;
  checkKeyTypes(sopsKeyTypes(text, format), source);
  const plain = await session.decrypt({ data, format, source });
  const tmp = path.join(path.dirname(file), `.driftless-${randomBytes(6).toString('hex')}.tmp`);
  await writeFile(tmp, plain, { flag: 'wx', mode: 0o600 });
  await rename(tmp, file);
}

/** True for a `v1` Secret with sops metadata whose decryption is not disabled by annotation. */
export function isEncryptedSecret(obj: KubeObject): boolean {
  if (obj.apiVersion !== 'v1' || obj.kind !== 'Secret' || !('sops' in obj)) return false;
  return obj.metadata.annotations?.[DECRYPT_ANNOTATION]?.toLowerCase() !== 'disabled';
}

/**
 * Returns the objects with every SOPS-encrypted Secret decrypted (others untouched, same order). kustomize has
 * changed such a Secret's metadata (namespace, labels, name suffix), which the sops MAC covers, so the MAC is not
 * checked here, as in Flux; each value is still authenticated (AES-GCM) and a tampered value fails.
 * Throws DecryptionError naming `Secret/<namespace>/<name>`.
 */
export async function decryptSecrets(objects: readonly KubeObject[], session: SopsSession): Promise<KubeObject[]> {
  const out: KubeObject[] = [];
  for (const obj of objects) {
    if (!isEncryptedSecret(obj)) {
      out.push(obj);
      continue;
    }
    const source = `Secret/${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata.name}`;
    checkKeyTypes(metadataKeyTypes(obj['sops']), source);
    const plain = await session.decrypt({
      data: Buffer.from(JSON.stringify(obj)),
      format: 'json',
      source,
      ignoreMac: true,
    });
    let decrypted: unknown;
    try {
      decrypted = JSON.parse(plain.toString('utf8')) as unknown;
    } catch (err) {
      throw new DecryptionError({
        source,
        message: `failed to decrypt ${source}: sops output is not JSON`,
        cause: err,
      });
    }
    if (!isRecord(decrypted) || 'sops' in decrypted) {
      throw new DecryptionError({ source, message: `failed to decrypt ${source}: sops output is not a Secret` });
    }
    out.push(decrypted as KubeObject);
  }
  return out;
}

function list(obj: Record<string, unknown>, field: string): unknown[] {
  return fieldValues(obj, field).flatMap((v) => (Array.isArray(v) ? (v as unknown[]) : [v]));
}

function strings(obj: Record<string, unknown>, field: string): string[] {
  return list(obj, field).filter((v): v is string => typeof v === 'string');
}
