// Finding, generating and overlaying the kustomization file at a Kustomization's path, as Flux's generator does.
import { randomBytes } from 'node:crypto';
import { lstat, readdir, readFile, realpath, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BuildError, ManifestError } from './errors.ts';
import { relativeTo, resolveInside } from './safe-path.ts';
import { parseYamlDocuments } from './yaml-documents.ts';
import type { YamlLimits } from './yaml-documents.ts';
import { isRecord } from '../util/is-record.ts';

/** File names kustomize recognises, in its order of preference. */
export const KUSTOMIZATION_FILE_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'] as const;

/** Limits for reading files while generating: per-file byte cap and number of files scanned. */
export type ScanLimits = Pick<YamlLimits, 'maxBytes' | 'maxAliasCount' | 'maxDepth'> & { maxFiles?: number };

/** Returns the kustomization file name present in `dir` (a regular file or a symlink to one), if any. */
export async function findKustomizationFile(dir: string): Promise<string | undefined> {
  for (const name of KUSTOMIZATION_FILE_NAMES) {
    const info = await stat(path.join(dir, name)).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return undefined;
      throw new BuildError({ message: `cannot read ${name}: ${err.code ?? err.message}`, cause: err });
    });
    if (info?.isFile()) return name;
  }
  return undefined;
}

const manifestExtensions: ReadonlySet<string> = new Set(['.yaml', '.yml', '.json']);

/**
 * Lists what a generated kustomization should include, like Flux: every YAML/JSON file under `dir` that holds
 * Kubernetes objects (others are skipped), and each sub-directory with its own kustomization file instead of its
 * contents. Paths are `./`-relative and sorted. Throws BuildError for unparsable YAML (naming the file), symlinks
 * leaving the root, or more than `maxFiles` (default 10,000) files.
 */
export async function scanManifests(root: string, dir: string, limits: ScanLimits = {}): Promise<string[]> {
  const maxFiles = limits.maxFiles ?? 10_000;
  const resources: string[] = [];
  let files = 0;
  const visited = new Set<string>();
  // Depth-first in name order so the list reads like the tree; async recursion keeps the call stack flat.
  const walk = async (current: string): Promise<void> => {
    visited.add(await realpath(current));
    const entries = (await readdir(current, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const entry of entries) {
      const full = path.join(current, entry.name);
      const rel = `./${relativeTo(dir, full)}`;
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        const target = await resolveInside(root, current, entry.name);
        if (!target.inside)
          throw new BuildError({ message: `symlink '${relativeTo(root, full)}' points outside the source` });
        if (!target.exists) continue;
        const info = await stat(target.real);
        isDir = info.isDirectory() && !visited.has(target.real);
        isFile = info.isFile();
      }
      if (isDir) {
        if (await findKustomizationFile(full)) resources.push(rel);
        else await walk(full);
        continue;
      }
      const ext = path.extname(entry.name).toLowerCase();
      if (!isFile || !manifestExtensions.has(ext)) continue;
      files += 1;
      if (files > maxFiles)
        throw new BuildError({ message: `more than ${maxFiles} manifest files under '${relativeTo(root, dir)}'` });
      if (await holdsKubernetesObjects(full, relativeTo(root, full), ext === '.json', limits)) resources.push(rel);
    }
  };
  await walk(dir);
  return resources;
}

async function holdsKubernetesObjects(
  file: string,
  source: string,
  lenient: boolean,
  limits: ScanLimits,
): Promise<boolean> {
  const maxBytes = limits.maxBytes ?? 64 * 1024 * 1024;
  if ((await lstat(file)).size > maxBytes)
    throw new ManifestError({ source, message: `larger than the ${maxBytes}-byte limit` });
  try {
    const docs = parseYamlDocuments(await readFile(file), { ...limits, source });
    return docs.some(
      ({ value }) => isRecord(value) && typeof value['apiVersion'] === 'string' && typeof value['kind'] === 'string',
    );
  } catch (err) {
    // JSON files are often tool configuration (package.json, tsconfig with comments): skip rather than fail.
    if (lenient && err instanceof ManifestError) return false;
    if (err instanceof ManifestError) {
      throw new ManifestError({ source, message: `failed to decode Kubernetes YAML: ${err.detail}`, cause: err });
    }
    throw err;
  }
}

/**
 * Reads a kustomization file as kustomize sees it: `<<` merge keys resolved and every scalar a string. Throws
 * ManifestError naming it when it breaks the YAML limits or is not a single YAML map.
 */
export async function readKustomization(
  file: string,
  source: string,
  limits: ScanLimits = {},
): Promise<Record<string, unknown>> {
  const text = await readFile(file);
  const docs = parseYamlDocuments(text, { ...limits, source, merge: true, allStrings: true }).filter(
    (d) => d.value !== null,
  );
  const [first, ...rest] = docs;
  if (docs.length === 0) return {};
  if (!first || rest.length > 0 || !isRecord(first.value)) {
    throw new ManifestError({ source, message: 'is not a kustomization (expected a single YAML map)' });
  }
  return first.value;
}

/**
 * Writes kustomization text into `dir` under `name` via a fresh temp file and a rename, so an existing file (or a
 * symlink planted in its place) is replaced rather than written through.
 */
export async function writeKustomization(dir: string, name: string, text: string): Promise<void> {
  const tmp = path.join(dir, `.driftless-${randomBytes(6).toString('hex')}.tmp`);
  await writeFile(tmp, text, { flag: 'wx', mode: 0o600 });
  await rename(tmp, path.join(dir, name));
}

/**
 * kustomize decodes kustomization files through encoding/json, which matches field names case-insensitively with
 * Unicode simple folding (`RESOURCES`, `reſources` both mean `resources`); this folds a key the same way.
 */
export function foldKey(key: string): string {
  return key.replaceAll('\u017f', 's').replaceAll('\u212a', 'k').toLowerCase();
}

/** Every value stored under a key that kustomize would read as `field` (see foldKey), in key order. */
export function fieldValues(obj: Record<string, unknown>, field: string): unknown[] {
  const want = foldKey(field);
  return Object.entries(obj)
    .filter(([key]) => foldKey(key) === want)
    .map(([, value]) => value);
}
