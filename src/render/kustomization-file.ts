// Finding, generating and overlaying the kustomization file at a Kustomization's path, as Flux's generator does.
import { randomBytes } from 'node:crypto';
import { lstat, readdir, readFile, realpath, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { BuildError, ManifestError } from './errors.ts';
import { relativeTo, resolveInside } from './safe-path.ts';
import { parseYamlDocuments } from './yaml-documents.ts';
import type { YamlLimits } from './yaml-documents.ts';

/** File names kustomize recognises, in its order of preference. */
export const KUSTOMIZATION_FILE_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'] as const;

/** The overlay fields of a Flux Kustomization spec that are written into the kustomization file. */
export type KustomizeSpec = {
  targetNamespace?: string;
  namePrefix?: string;
  nameSuffix?: string;
  patches?: { patch: string; target?: PatchTarget }[];
  images?: { name: string; newName?: string; newTag?: string; digest?: string }[];
  components?: string[];
  ignoreMissingComponents?: boolean;
  buildMetadata?: string[];
  commonMetadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
};

/** A kustomize patch selector, as in Flux's `spec.patches[].target`. */
export type PatchTarget = {
  group?: string;
  version?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  labelSelector?: string;
  annotationSelector?: string;
};

/** Limits for reading files while generating: per-file byte cap and number of files scanned. */
export type ScanLimits = Omit<YamlLimits, 'source' | 'yaml11Booleans'> & { maxFiles?: number };

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

/** Reads and decodes a kustomization file; throws ManifestError naming it when it is not a single YAML map. */
export async function readKustomization(
  file: string,
  source: string,
  limits: ScanLimits = {},
): Promise<Record<string, unknown>> {
  const docs = parseYamlDocuments(await readFile(file), { ...limits, source }).filter((d) => d.value !== null);
  const [first, ...rest] = docs;
  if (docs.length === 0) return {};
  if (!first || rest.length > 0 || !isRecord(first.value)) {
    throw new ManifestError({ source, message: 'is not a kustomization (expected a single YAML map)' });
  }
  return first.value;
}

/**
 * Returns the kustomization with Flux's spec overlays applied: `namespace`, `namePrefix` and `nameSuffix` replaced
 * when set; patches appended; images replacing same-name entries or appended; components appended, dropping those
 * missing under `dir` when `ignoreMissingComponents`; buildMetadata set. The input is not modified.
 */
export async function applySpecOverlays(
  kustomization: Record<string, unknown>,
  spec: KustomizeSpec,
  root: string,
  dir: string,
): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = { ...kustomization };
  if (spec.targetNamespace) out['namespace'] = spec.targetNamespace;
  if (spec.namePrefix) out['namePrefix'] = spec.namePrefix;
  if (spec.nameSuffix) out['nameSuffix'] = spec.nameSuffix;
  if (spec.patches?.length) {
    const patches = spec.patches.map((p) =>
      p.target ? { patch: p.patch, target: defined(p.target) } : { patch: p.patch },
    );
    out['patches'] = [...listField(out, 'patches'), ...patches];
  }
  if (spec.images?.length) {
    const images = [...listField(out, 'images')];
    for (const image of spec.images) {
      const entry = defined(image);
      const at = images.findIndex((i) => isRecord(i) && i['name'] === image.name);
      if (at >= 0) images[at] = entry;
      else images.push(entry);
    }
    out['images'] = images;
  }
  if (spec.components?.length) {
    const kept: string[] = [];
    for (const component of spec.components) {
      const resolved = await resolveInside(root, dir, component);
      if (resolved.exists || !spec.ignoreMissingComponents) kept.push(component);
    }
    if (kept.length) out['components'] = [...listField(out, 'components'), ...kept];
  }
  if (spec.buildMetadata?.length) out['buildMetadata'] = [...spec.buildMetadata];
  return out;
}

/** True when the spec asks for any change to the kustomization file (commonMetadata is applied after the build). */
export function hasOverlays(spec: KustomizeSpec): boolean {
  return Boolean(
    spec.targetNamespace ||
    spec.namePrefix ||
    spec.nameSuffix ||
    spec.patches?.length ||
    spec.images?.length ||
    spec.components?.length ||
    spec.buildMetadata?.length,
  );
}

/**
 * Writes a kustomization into `dir` under `name` via a fresh temp file and a rename, so an existing file (or a
 * symlink planted in its place) is replaced rather than written through.
 */
export async function writeKustomization(
  dir: string,
  name: string,
  kustomization: Record<string, unknown>,
): Promise<void> {
  const tmp = path.join(dir, `.driftless-${randomBytes(6).toString('hex')}.tmp`);
  await writeFile(tmp, stringify(kustomization, { lineWidth: 0, aliasDuplicateObjects: false }), {
    flag: 'wx',
    mode: 0o600,
  });
  await rename(tmp, path.join(dir, name));
}

function listField(obj: Record<string, unknown>, field: string): unknown[] {
  const value = obj[field];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new BuildError({ message: `kustomization field '${field}' must be a list` });
  return value;
}

function defined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== '')) as Partial<T>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
