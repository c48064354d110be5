// A Helm repository index: parse (JSON or YAML, bounded, alias-limited), normalise for storage,
// select a chart version as source-controller does, and resolve chart URLs against the repository.
import { parse as parseYaml } from 'yaml';
import semver from 'semver';
import { semverRange } from '../../util/semver-range.ts';
import { ChartBuildError, IndexError } from './errors.ts';

/** source-controller's limits (internal/helm/helm.go): the index, a chart archive, one file in a chart. */
export const HelmLimits = {
  maxIndexBytes: 50 * 1024 * 1024,
  maxChartBytes: 10 * 1024 * 1024,
  maxChartFileBytes: 5 * 1024 * 1024,
} as const;

/** One chart version of an index entry (chart metadata plus `urls`, `digest`, `created`). */
export interface ChartVersion {
  name: string;
  version: string;
  urls?: string[];
  digest?: string;
  created?: string;
  apiVersion?: string;
  [key: string]: unknown;
}

/** A parsed, validated index: entries keep only valid versions, newest first. */
export interface RepositoryIndex {
  apiVersion: string;
  entries: Record<string, ChartVersion[]>;
  generated?: string;
  [key: string]: unknown;
}

/**
 * Parses an index.yaml (or its JSON form) as Helm's loader does: empty → "empty index.yaml file", no
 * apiVersion → "no API version specified"; chart versions with no name or an invalid version are dropped;
 * entries are sorted newest first. YAML aliases are capped so a "billion laughs" document fails fast.
 */
export function parseIndex(data: Buffer): RepositoryIndex {
  if (data.length === 0) throw new IndexError('empty index.yaml file');
  const text = data.toString('utf8');
  let doc: unknown;
  try {
    doc = looksLikeJson(text) ? JSON.parse(text) : parseYaml(text, { maxAliasCount: 100, uniqueKeys: true });
  } catch (err) {
    throw new IndexError(`error unmarshaling index: ${firstLine(err)}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new IndexError('error unmarshaling index: the document is not a mapping');
  }
  const raw = doc as Record<string, unknown>;
  if (typeof raw.apiVersion !== 'string' || raw.apiVersion === '') throw new IndexError('no API version specified');
  const entries: Record<string, ChartVersion[]> = {};
  const rawEntries = raw.entries;
  if (rawEntries !== undefined && rawEntries !== null) {
    if (typeof rawEntries !== 'object' || Array.isArray(rawEntries)) {
      throw new IndexError('error unmarshaling index: entries is not a mapping');
    }
    for (const [name, list] of Object.entries(rawEntries as Record<string, unknown>)) {
      const valid = (Array.isArray(list) ? list : []).filter(isValidChartVersion).map((cv) => ({
        ...cv,
        apiVersion: typeof cv.apiVersion === 'string' && cv.apiVersion !== '' ? cv.apiVersion : 'v1',
      }));
      entries[name] = sortNewestFirst(valid);
    }
  }
  return { ...raw, apiVersion: raw.apiVersion, entries } as RepositoryIndex;
}

/** The stored form of the index (source-controller stores the loaded index as indented JSON). */
export function indexToJson(index: RepositoryIndex): Buffer {
  return Buffer.from(JSON.stringify(index, null, 2));
}

/**
 * Picks the chart version as source-controller's ChartRepository.GetChartVersion: an exact version
 * string wins; `''` and `*` mean the latest stable; otherwise the highest version in the range
 * (Masterminds syntax, commas included), ties broken by the later `created`.
 */
export function selectChartVersion(index: RepositoryIndex, name: string, constraint: string): ChartVersion {
  const versions = index.entries[name];
  if (versions === undefined) throw refError('no chart name found');
  if (versions.length === 0) throw refError('no chart version found');
  if (constraint !== '') {
    const exact = versions.find((cv) => cv.version === constraint);
    if (exact) return exact;
  }
  const range = constraint === '' || constraint === '*' ? '*' : semverRange(constraint);
  if (range === null) throw refError(`improper constraint: ${constraint}`);
  let best: { cv: ChartVersion; v: semver.SemVer } | undefined;
  for (const cv of versions) {
    const v = parseVersion(cv.version);
    if (!v || !semver.satisfies(v, range)) continue;
    const order = best ? semver.compare(v, best.v) : 1;
    if (order > 0 || (order === 0 && best && createdAfter(cv, best.cv))) best = { cv, v };
  }
  if (!best) throw refError(`no '${name}' chart with version matching '${constraint}' found`);
  return best.cv;
}

/**
 * Resolves a chart URL from the index against the repository URL as Helm's ResolveReferenceURL: an
 * absolute URL is kept; a relative one is resolved below the repository path, keeping its query string.
 */
export function resolveChartUrl(repositoryUrl: string, ref: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(ref)) return ref;
  const base = new URL(repositoryUrl);
  base.pathname = base.pathname.replace(/\/+$/, '') + '/';
  const resolved = new URL(ref, base);
  resolved.search = base.search;
  return resolved.href;
}

/** `<url>/index.yaml`, the path joined as Helm's ChartRepository.DownloadIndex does (the query kept). */
export function indexUrlOf(url: string): string {
  const u = new URL(url);
  u.pathname = `${u.pathname.replace(/\/+$/, '')}/index.yaml`;
  return u.href;
}

/** A repository URL as the dependency lookup compares them: no trailing slash. */
export function normalizeRepositoryUrl(url: string): string {
  return url.trim().replace(/\/+$/, '');
}

/** A version as Masterminds parses it (a leading `v` and missing minor/patch allowed), or undefined. */
export function parseVersion(version: string): semver.SemVer | undefined {
  const strict = semver.parse(version.replace(/^v/, ''));
  if (strict) return strict;
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.exec(version);
  if (!m) return undefined;
  return semver.parse(`${m[1]}.${m[2] ?? '0'}.${m[3] ?? '0'}${m[4] ?? ''}${m[5] ?? ''}`) ?? undefined;
}

/** go-units HumanSize: decimal units, four significant digits (`40.9kB`, `1.234MB`, `512B`). */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let size = bytes;
  let i = 0;
  while (size >= 1000 && i < units.length - 1) {
    size /= 1000;
    i++;
  }
  return `${Number(size.toPrecision(4))}${units[i]}`;
}

const refError = (detail: string): ChartBuildError =>
  new ChartBuildError('InvalidChartReference', `failed to get chart version for remote reference: ${detail}`);

function isValidChartVersion(cv: unknown): cv is ChartVersion {
  if (typeof cv !== 'object' || cv === null) return false;
  const { name, version } = cv as Record<string, unknown>;
  return typeof name === 'string' && name !== '' && typeof version === 'string' && parseVersion(version) !== undefined;
}

function sortNewestFirst(list: ChartVersion[]): ChartVersion[] {
  return [...list].sort((a, b) => {
    const va = parseVersion(a.version);
    const vb = parseVersion(b.version);
    return va && vb ? semver.compare(vb, va) : 0;
  });
}

function createdAfter(a: ChartVersion, b: ChartVersion): boolean {
  return Date.parse(String(a.created ?? '')) > Date.parse(String(b.created ?? ''));
}

function looksLikeJson(text: string): boolean {
  const t = text.trimStart();
  if (!t.startsWith('{')) return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
}
