// Digests helm-controller records in a HelmRelease's status, computed the same way from the release Helm
// stored: the snapshot `digest` (sha256 of the Go JSON encoding of helm-controller's Observation of the
// release, test hooks left out) and the `configDigest` (sha256 of the values as sorted YAML).
import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import type { HelmSnapshot } from '../api/helm-release.ts';
import type { HelmHook, HelmStoredRelease } from './release-storage.ts';

const sha256 = (text: string): string => `sha256:${createHash('sha256').update(text).digest('hex')}`;

/** A plain-data copy with every object's keys sorted (Go encodes maps sorted). */
function sortedDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedDeep);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value).sort()) out[k] = sortedDeep((value as Record<string, unknown>)[k]);
  return out;
}

/** JSON as Go's encoding/json writes it: HTML-safe escapes of <, > and &, and of U+2028/U+2029. */
export function goJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Whether a hook runs on `helm test`. */
export const isTestHook = (h: HelmHook): boolean => (h.events ?? []).includes('test');

/**
 * The snapshot digest helm-controller gives a release: its Observation (name, version, info, chart
 * metadata, config, manifest, hooks but the test hooks, namespace, and the OCI artifact digest the release
 * was made from, when it was) encoded as Go's json.Encoder does, trailing newline included. Structs keep
 * the field order Helm stored them in; maps are sorted. `ociDigest` is the snapshot's: Helm does not store
 * it, so a digest computed without it does not verify a snapshot of an OCI chart (helm-controller would
 * take the release for unmanaged and upgrade it).
 */
export function releaseDigest(rel: HelmStoredRelease, ociDigest?: string): string {
  const hooks = (rel.hooks ?? []).filter((h) => !isTestHook(h));
  const meta = rel.chart.metadata;
  const chartMetadata = meta.annotations ? { ...meta, annotations: sortedDeep(meta.annotations) } : meta;
  const config = rel.config && Object.keys(rel.config).length > 0 ? sortedDeep(rel.config) : null;
  const observation = {
    name: rel.name,
    version: rel.version,
    info: rel.info,
    chartMetadata,
    config,
    manifest: rel.manifest ?? '',
    hooks: hooks.length > 0 ? hooks : null,
    namespace: rel.namespace,
    ...(ociDigest ? { ociDigest } : {}),
  };
  return sha256(`${goJson(observation)}\n`);
}

/**
 * The values digest (`configDigest`, `lastAttemptedConfigDigest`, the events' token): sha256 of the values
 * as YAML with sorted keys; empty values digest as nothing at all, as Flux's chartutil.DigestValues.
 */
export function valuesDigest(values: Record<string, unknown> | null | undefined): string {
  if (!values || Object.keys(values).length === 0) return sha256('');
  return sha256(stringify(sortedDeep(values), { indentSeq: false, lineWidth: 0 }));
}

/** Deep equality of two values trees as JSON sees them (Helm's stored config against the desired values). */
export function sameValues(a: unknown, b: unknown): boolean {
  const norm = (v: unknown): unknown => (v && typeof v === 'object' && Object.keys(v).length === 0 ? null : v);
  return JSON.stringify(sortedDeep(norm(a) ?? null)) === JSON.stringify(sortedDeep(norm(b) ?? null));
}

const zeroTime = '0001-01-01T00:00:00Z';
/** RFC 3339 at second precision, as metav1.Time serialises. */
const metaTime = (t: string | undefined): string => {
  if (!t || t.startsWith('0001-01-01')) return zeroTime;
  return new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
};

/**
 * The status.history entry for a stored release (helm-controller's ObservedToSnapshot); `ociDigest`: the
 * digest of the OCI artifact it was made from (an install or upgrade from an OCIRepository), kept by a
 * refreshed snapshot.
 */
export function snapshotOf(rel: HelmStoredRelease, action?: string, ociDigest?: string): HelmSnapshot {
  const snap: HelmSnapshot = {
    apiVersion: 'v2',
    digest: releaseDigest(rel, ociDigest),
    name: rel.name,
    namespace: rel.namespace,
    version: rel.version,
    status: rel.info.status,
    chartName: rel.chart.metadata.name,
    chartVersion: rel.chart.metadata.version,
    configDigest: valuesDigest(rel.config),
    firstDeployed: metaTime(rel.info.first_deployed),
    lastDeployed: metaTime(rel.info.last_deployed),
  };
  if (rel.chart.metadata.appVersion) snap.appVersion = rel.chart.metadata.appVersion;
  if (rel.info.deleted && !rel.info.deleted.startsWith('0001-01-01')) snap.deleted = metaTime(rel.info.deleted);
  if (action) snap.action = action;
  if (ociDigest) snap.ociDigest = ociDigest;
  return snap;
}

/** Test hooks of a release by name with their last run (Flux's TestHooksFromRelease, no filters). */
export function testHooksOf(
  rel: HelmStoredRelease,
  filters: readonly { name: string; exclude?: boolean }[] = [],
): Record<string, { lastStarted?: string; lastCompleted?: string; phase?: string }> {
  const includes = filters.filter((f) => !f.exclude).map((f) => f.name);
  const excludes = new Set(filters.filter((f) => f.exclude).map((f) => f.name));
  const out: Record<string, { lastStarted?: string; lastCompleted?: string; phase?: string }> = {};
  for (const h of (rel.hooks ?? []).filter(isTestHook)) {
    if (excludes.has(h.name) || (includes.length > 0 && !includes.includes(h.name))) continue;
    const run = h.last_run;
    out[h.name] =
      run && run.phase
        ? { lastStarted: metaTime(run.started_at), lastCompleted: metaTime(run.completed_at), phase: run.phase }
        : {};
  }
  return out;
}

/** `<namespace>/<name>.v<version>` (Snapshot.FullReleaseName). */
export const fullReleaseName = (s: Pick<HelmSnapshot, 'namespace' | 'name' | 'version'>): string =>
  `${s.namespace}/${s.name}.v${s.version}`;

/** `<chart>@<version>` (Snapshot.VersionedChartName). */
export const versionedChartName = (s: Pick<HelmSnapshot, 'chartName' | 'chartVersion'>): string =>
  `${s.chartName}@${s.chartVersion}`;
