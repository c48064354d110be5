// Helm chart archives and directories, read safely and packaged deterministically: no `..`, absolute
// paths, links or devices; size caps on the archive, the decompressed stream and each file.
import { lstat, readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import ignore from 'ignore';
import tar from 'tar-stream';
import { parse as parseYaml, parseDocument, stringify } from 'yaml';
import { UnsafeArchiveError, safeRelativeName } from '../../artifacts/untar.ts';
import { ChartBuildError } from './errors.ts';
import { HelmLimits, parseVersion } from './repo-index.ts';

/** A chart's files by path relative to the chart root (`Chart.yaml`, `templates/x.yaml`, …). */
export type ChartFiles = Map<string, Buffer>;

/** The Chart.yaml fields Driftless reads. */
export interface ChartMetadata {
  apiVersion: string;
  name: string;
  version: string;
  dependencies?: { name: string; version?: string; repository?: string; alias?: string }[];
  [key: string]: unknown;
}

/** Limits of `readChartArchive` / `readChartDirectory` (default: source-controller's). */
export interface ChartLimits {
  maxChartBytes?: number;
  maxFileBytes?: number;
}

/**
 * Reads a chart .tgz: every entry must sit under one top directory (stripped, as Helm's loader does), be
 * a regular file or directory, have a safe relative name and fit the per-file cap; the decompressed
 * stream is capped too. Throws UnsafeArchiveError naming the entry, or ChartBuildError for a bad archive.
 */
export async function readChartArchive(data: Buffer, limits: ChartLimits = {}): Promise<ChartFiles> {
  const maxChart = limits.maxChartBytes ?? HelmLimits.maxChartBytes;
  const maxFile = limits.maxFileBytes ?? HelmLimits.maxChartFileBytes;
  if (data.length > maxChart)
    throw new UnsafeArchiveError(`chart archive exceeds the maximum size of ${maxChart} bytes`);
  let raw: Buffer;
  try {
    // Decompressed tar headers and padding add to the files; allow twice the archive cap for them.
    raw = gunzipSync(data, { maxOutputLength: 2 * maxChart });
  } catch (err) {
    if (err instanceof RangeError || (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new UnsafeArchiveError(`decompressed chart archive exceeds the maximum size of ${2 * maxChart} bytes`);
    }
    throw new UnsafeArchiveError(`chart archive is not a gzip stream: ${(err as Error).message}`);
  }
  const files: ChartFiles = new Map();
  const extract = tar.extract();
  const done = (async () => {
    for await (const entry of extract) {
      const { name, type, size } = entry.header;
      const rel = safeRelativeName(name);
      if (type !== 'file' && type !== 'contiguous-file' && type !== 'directory') {
        throw new UnsafeArchiveError(`entry "${name}" has unsupported type "${type ?? 'unknown'}"`, name);
      }
      const chunks: Buffer[] = [];
      for await (const chunk of entry as AsyncIterable<Buffer>) chunks.push(chunk);
      if (type === 'directory' || rel === undefined) continue;
      if ((size ?? 0) > maxFile) {
        throw new UnsafeArchiveError(`file "${rel}" exceeds the maximum file size of ${maxFile} bytes`, name);
      }
      const inChart = rel.split('/').slice(1).join('/');
      if (inChart === '') continue;
      files.set(inChart, Buffer.concat(chunks));
    }
  })();
  extract.end(raw);
  try {
    await done;
  } catch (err) {
    if (err instanceof UnsafeArchiveError) throw err;
    throw new UnsafeArchiveError(`chart archive is not a valid tar stream: ${(err as Error).message}`);
  }
  if (!files.has('Chart.yaml')) throw new ChartBuildError('ChartPackageError', 'Chart.yaml file is missing');
  return files;
}

/**
 * Reads a chart directory (inside `root`, `chartPath` relative): `.helmignore` rules applied, symlinks
 * and special files refused, per-file and total caps. Throws ChartBuildError(InvalidChartReference)
 * when the directory has no Chart.yaml.
 */
export async function readChartDirectory(
  root: string,
  chartPath: string,
  limits: ChartLimits = {},
): Promise<ChartFiles> {
  const dir = secureJoin(root, chartPath);
  const maxChart = limits.maxChartBytes ?? HelmLimits.maxChartBytes;
  const maxFile = limits.maxFileBytes ?? HelmLimits.maxChartFileBytes;
  const helmignore = await readFile(path.join(dir, '.helmignore'), 'utf8').catch(() => '');
  const ignored = ignore().add(helmignore);
  const files: ChartFiles = new Map();
  let total = 0;
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(path.join(dir, rel), { withFileTypes: true });
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const child = rel === '' ? e.name : `${rel}/${e.name}`;
      if (ignored.ignores(e.isDirectory() ? `${child}/` : child)) continue;
      const info = await lstat(path.join(dir, child));
      if (info.isSymbolicLink()) {
        throw new UnsafeArchiveError(
          `chart file "${child}" is a symbolic link, which Driftless does not follow`,
          child,
        );
      }
      if (info.isDirectory()) await walk(child);
      else if (info.isFile()) {
        if (info.size > maxFile)
          throw new UnsafeArchiveError(`file "${child}" exceeds the maximum file size of ${maxFile} bytes`, child);
        total += info.size;
        if (total > maxChart)
          throw new UnsafeArchiveError(`chart directory exceeds the maximum size of ${maxChart} bytes`);
        files.set(child, await readFile(path.join(dir, child)));
      } else throw new UnsafeArchiveError(`chart file "${child}" is not a regular file`, child);
    }
  };
  try {
    await walk('');
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT' || (err as { code?: string }).code === 'ENOTDIR') {
      throw new ChartBuildError('InvalidChartReference', `path '${chartPath}' not found in the source artifact`);
    }
    throw err;
  }
  if (!files.has('Chart.yaml')) {
    throw new ChartBuildError('InvalidChartReference', `no Chart.yaml found in '${chartPath}'`);
  }
  return files;
}

/** `root/rel` if it stays inside `root`; throws ChartBuildError(InvalidChartReference) otherwise. */
export function secureJoin(root: string, rel: string): string {
  if (path.isAbsolute(rel))
    throw new ChartBuildError('InvalidChartReference', `path '${rel}' must be relative to the source root`);
  const joined = path.resolve(root, rel);
  if (joined !== root && !joined.startsWith(root + path.sep)) {
    throw new ChartBuildError('InvalidChartReference', `path '${rel}' leaves the source artifact`);
  }
  return joined;
}

/** Parses and validates Chart.yaml as Helm's Metadata.Validate does (apiVersion, name, semver version). */
export function chartMetadata(files: ChartFiles): ChartMetadata {
  const text = files.get('Chart.yaml')?.toString('utf8') ?? '';
  let doc: unknown;
  try {
    doc = parseYaml(text, { maxAliasCount: 100 });
  } catch (err) {
    throw new ChartBuildError(
      'InvalidChartReference',
      `cannot load Chart.yaml: ${(err as Error).message.split('\n')[0]}`,
    );
  }
  const md = (typeof doc === 'object' && doc !== null ? doc : {}) as Record<string, unknown>;
  const fail = (m: string): never => {
    throw new ChartBuildError('InvalidChartReference', `validation: ${m}`);
  };
  if (typeof md.apiVersion !== 'string' || md.apiVersion === '') fail('chart.metadata.apiVersion is required');
  if (typeof md.name !== 'string' || md.name === '') fail('chart.metadata.name is required');
  if (String(md.name).includes('/') || String(md.name).includes('..'))
    fail(`chart.metadata.name "${String(md.name)}" is invalid`);
  if (typeof md.version !== 'string' || md.version === '') fail('chart.metadata.version is required');
  if (parseVersion(String(md.version)) === undefined) fail(`chart.metadata.version "${String(md.version)}" is invalid`);
  const deps = md.apiVersion === 'v1' ? requirementsOf(files) : md.dependencies;
  return { ...md, dependencies: Array.isArray(deps) ? (deps as ChartMetadata['dependencies']) : [] } as ChartMetadata;
}

function requirementsOf(files: ChartFiles): unknown {
  const text = files.get('requirements.yaml')?.toString('utf8');
  if (!text) return [];
  const doc = parseYaml(text, { maxAliasCount: 100 }) as { dependencies?: unknown } | null;
  return doc?.dependencies ?? [];
}

/** `version` with `+metadata` set (replacing any), as Masterminds' SetMetadata. */
export function withBuildMetadata(version: string, metadata: string): string {
  const v = parseVersion(version);
  if (!v)
    throw new ChartBuildError(
      'MetadataPatchError',
      `failed to parse version from chart metadata as SemVer: Invalid Semantic Version`,
    );
  if (!/^[0-9A-Za-z.-]+$/.test(metadata))
    throw new ChartBuildError(
      'MetadataPatchError',
      `failed to set SemVer metadata on chart version: Invalid Metadata string`,
    );
  const pre = v.prerelease.length > 0 ? `-${v.prerelease.join('.')}` : '';
  return `${v.major}.${v.minor}.${v.patch}${pre}+${metadata}`;
}

/** Chart.yaml with `version` replaced, the rest of the document kept. */
export function setChartVersion(files: ChartFiles, version: string): void {
  const doc = parseDocument(files.get('Chart.yaml')?.toString('utf8') ?? '');
  doc.set('version', version);
  files.set('Chart.yaml', Buffer.from(doc.toString()));
}

/** Flux's transform.MergeMaps: maps merge recursively, anything else in `b` replaces `a`'s value. */
export function mergeMaps(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k];
    out[k] = isMap(v) && isMap(cur) ? mergeMaps(cur, v) : v;
  }
  return out;
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses a values file into a map; throws ChartBuildError(ValuesFilesError) naming it. */
export function parseValues(data: Buffer, name: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = parseYaml(data.toString('utf8'), { maxAliasCount: 100 });
  } catch (err) {
    throw new ChartBuildError(
      'ValuesFilesError',
      `unmarshaling values from '${name}' failed: ${(err as Error).message.split('\n')[0]}`,
    );
  }
  if (doc === null || doc === undefined) return {};
  if (!isMap(doc))
    throw new ChartBuildError('ValuesFilesError', `unmarshaling values from '${name}' failed: not a mapping`);
  return doc;
}

/**
 * Replaces values.yaml with the merged values (source-controller's OverwriteChartDefaultValues); returns
 * false when nothing changed. A chart without values.yaml cannot take values files.
 */
export function overwriteDefaultValues(files: ChartFiles, values: Record<string, unknown>): boolean {
  const current = files.get('values.yaml');
  if (current === undefined) throw new ChartBuildError('ValuesFilesError', 'failed to locate values file: values.yaml');
  const encoded = Buffer.from(Object.keys(values).length > 0 ? stringify(values, { sortMapEntries: true }) : '');
  if (encoded.equals(current)) return false;
  files.set('values.yaml', encoded);
  return true;
}

/**
 * Packages a chart as Helm's `chartutil.Save` lays it out (`<name>/Chart.yaml` first, then the rest),
 * deterministically: sorted entries, fixed mode and time, so the same chart gives the same digest.
 */
export async function packChart(name: string, files: ChartFiles): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => chunks.push(c as Buffer));
  const ended = new Promise<void>((resolve, reject) => {
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  const names = [...files.keys()].sort((a, b) =>
    a === 'Chart.yaml' ? -1 : b === 'Chart.yaml' ? 1 : a < b ? -1 : a > b ? 1 : 0,
  );
  for (const rel of names) {
    const body = files.get(rel)!;
    await new Promise<void>((resolve, reject) =>
      pack.entry(
        { name: `${name}/${rel}`, size: body.length, mode: 0o644, mtime: new Date(0), type: 'file' },
        body,
        (err) => (err ? reject(err) : resolve()),
      ),
    );
  }
  pack.finalize();
  await ended;
  return gzipSync(Buffer.concat(chunks));
}

/** Names of the subcharts vendored in `charts/` (directories with a Chart.yaml, or chart archives). */
export async function vendoredSubcharts(files: ChartFiles): Promise<Set<string>> {
  const names = new Set<string>();
  for (const [rel, body] of files) {
    const m = /^charts\/([^/]+)\/Chart\.yaml$/.exec(rel);
    if (m) {
      const doc = parseYaml(body.toString('utf8'), { maxAliasCount: 100 }) as { name?: unknown } | null;
      if (typeof doc?.name === 'string') names.add(doc.name);
    } else if (/^charts\/[^/]+\.tgz$/.test(rel)) {
      const sub = await readChartArchive(body);
      names.add(chartMetadata(sub).name);
    }
  }
  return names;
}
