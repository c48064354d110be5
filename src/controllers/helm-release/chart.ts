// The chart of a HelmRelease: the HelmChart its template makes (created by server-side apply, owned by
// labels, deleted when the template moves or the release goes), whether that source is ready as Flux
// judges it, and the chart loaded from the source's artifact.
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse, parseDocument } from 'yaml';
import { ApiVersions, Kinds, Labels, Reasons } from '../../api/constants.ts';
import { helmChartRefOf, HelmReasons, type HelmRelease } from '../../api/helm-release.ts';
import type { Artifact } from '../../api/meta.ts';
import type { ArtifactTreeCache } from '../../artifacts/tree-cache.ts';
import { HelmFieldManager } from '../../helm/cli.ts';
import type { KubeClient } from '../../kube/client.ts';
import { isNotFound } from '../../kube/errors.ts';
import type { KubeObject } from '../../kube/types.ts';
import { getCondition } from '../../runtime/conditions.ts';
import type { Informer } from '../../runtime/informer.ts';
import { ReconcileFailure } from '../../runtime/reconcile/failure.ts';
import { messageOf } from '../shared.ts';
import { ociChartVersion } from './oci-chart.ts';
import type { LoadedChart } from './types.ts';

type SourceObject = KubeObject & {
  status?: {
    observedGeneration?: number;
    artifact?: Artifact;
    conditions?: { type: string; status: string; message: string }[];
  };
};

/** `<namespace>/<name>` of the HelmChart the release's template makes, or undefined with chartRef. */
export function templateChartKey(hr: HelmRelease): string | undefined {
  if (!hr.spec.chart) return undefined;
  const ref = helmChartRefOf(hr);
  return `${ref.namespace}/${ref.name}`;
}

/** The HelmChart `spec.chart` describes (helm-controller's buildHelmChartFromTemplate), owner labels set. */
export function chartTemplateObject(hr: HelmRelease, defaultInterval: string): KubeObject {
  const tpl = hr.spec.chart;
  if (!tpl) throw new Error('internal: no chart template');
  const ref = helmChartRefOf(hr);
  const spec: Record<string, unknown> = {
    chart: tpl.spec.chart,
    version: tpl.spec.version ?? '*',
    sourceRef: { kind: tpl.spec.sourceRef.kind, name: tpl.spec.sourceRef.name },
    interval: tpl.spec.interval ?? defaultInterval,
    reconcileStrategy: tpl.spec.reconcileStrategy ?? 'ChartVersion',
  };
  if (tpl.spec.valuesFiles?.length) spec['valuesFiles'] = tpl.spec.valuesFiles;
  if (tpl.spec.ignoreMissingValuesFiles) spec['ignoreMissingValuesFiles'] = true;
  if (tpl.spec.verify) spec['verify'] = tpl.spec.verify;
  return {
    apiVersion: ApiVersions.source,
    kind: Kinds.HelmChart,
    metadata: {
      name: ref.name,
      namespace: ref.namespace,
      labels: {
        ...(tpl.metadata?.labels ?? {}),
        [Labels.helmName]: hr.metadata.name,
        [Labels.helmNamespace]: hr.metadata.namespace ?? '',
      },
      ...(tpl.metadata?.annotations ? { annotations: tpl.metadata.annotations } : {}),
    },
    spec,
  };
}

/** Creates or updates the HelmChart of `spec.chart` (server-side apply, field manager helm-controller). */
export async function applyChartTemplate(
  client: KubeClient,
  hr: HelmRelease,
  defaultInterval: string,
): Promise<string> {
  const chart = chartTemplateObject(hr, defaultInterval);
  try {
    await client.apply(chart, { fieldManager: HelmFieldManager, force: true });
  } catch (err) {
    throw new ReconcileFailure(HelmReasons.ArtifactFailed, `failed to run server-side apply: ${messageOf(err)}`, {
      cause: err,
    });
  }
  return `${chart.metadata.namespace}/${chart.metadata.name}`;
}

/** Deletes the HelmChart recorded in `status.helmChart` (`<ns>/<name>`); a missing one is fine. */
export async function deleteChartTemplate(client: KubeClient, key: string): Promise<void> {
  const [namespace, name] = key.split('/');
  if (!namespace || !name) return;
  try {
    await client.delete({ apiVersion: ApiVersions.source, kind: Kinds.HelmChart, namespace, name });
  } catch (err) {
    if (!isNotFound(err)) throw new Error(`failed to delete HelmChart '${key}': ${messageOf(err)}`, { cause: err });
  }
}

/** The kinds a release's chart may come from: HelmChart (template or chartRef), OCIRepository, ExternalArtifact. */
export const ChartSourceKinds = ['HelmChart', 'OCIRepository', 'ExternalArtifact'] as const;
export type ChartSourceKind = (typeof ChartSourceKinds)[number];

/** `spec.chartRef.kind`, or HelmChart for a template; undefined for a kind the release cannot use. */
export function chartSourceKindOf(hr: HelmRelease): ChartSourceKind | undefined {
  if (hr.spec.chart) return 'HelmChart';
  const kind = hr.spec.chartRef?.kind;
  return ChartSourceKinds.find((k) => k === kind);
}

/**
 * Whether the chart takes the artifact digest as version build metadata (helm-controller's
 * isSourceWithRevisionDigest): always from an OCIRepository; from an ExternalArtifact only when its
 * revision carries a digest (`latest@sha256:…`), not when its producer gave a plain version.
 */
export function revisionCarriesDigest(kind: ChartSourceKind, revision: string): boolean {
  if (kind === 'OCIRepository') return true;
  return kind === 'ExternalArtifact' && revision.includes(':');
}

/**
 * The chart source's artifact when Flux would use it: the source has caught up with its generation, is not
 * stalled and has an artifact. Otherwise a waiting failure, reason SourceNotReady, with Flux's message.
 */
export function readySourceArtifact(opts: {
  hr: HelmRelease;
  sources: Readonly<Record<ChartSourceKind, Informer>>;
  requeueMs: number;
}): {
  artifact: Artifact;
  key: string;
  kind: ChartSourceKind;
} {
  const kind = chartSourceKindOf(opts.hr) ?? 'HelmChart';
  const ref = helmChartRefOf(opts.hr);
  const key = `${ref.namespace}/${ref.name}`;
  const src = opts.sources[kind].get(key) as SourceObject | undefined;
  const notReady = (msg: string): never => {
    throw new ReconcileFailure(HelmReasons.ArtifactFailed, msg, {
      requeueAfterMs: opts.requeueMs,
      waiting: true,
      event: 'none',
    });
  };
  if (!src) return notReady(`could not get Source object: ${kind}.source.toolkit.fluxcd.io "${ref.name}" not found`);
  const fail = (msg: string): never => {
    throw new ReconcileFailure(HelmReasons.SourceNotReady, `${kind} '${key}' is not ready: ${msg}`, {
      requeueAfterMs: opts.requeueMs,
      waiting: true,
      event: 'none',
    });
  };
  // An ExternalArtifact has no conditions of its own (its producer reports on itself): only its artifact counts.
  if (kind === 'ExternalArtifact') {
    const artifact = src.status?.artifact;
    return artifact ? { artifact, key, kind } : fail('does not have an artifact');
  }
  const ready = getCondition(src as never, 'Ready');
  if (src.metadata.generation !== src.status?.observedGeneration) {
    fail(ready?.status === 'False' ? ready.message : 'latest generation of object has not been reconciled');
  }
  const stalled = getCondition(src as never, 'Stalled');
  if (stalled?.status === 'True') fail(stalled.message);
  const artifact = src.status?.artifact;
  if (!artifact) return fail('does not have an artifact');
  return { artifact, key, kind };
}

/**
 * Gives a chart from an OCIRepository or a digest-carrying ExternalArtifact the artifact digest as version
 * build metadata (helm-controller's mutateChartWithSourceRevision): Chart.yaml is rewritten for helm, which
 * stores that version, so new content under the same tag or version upgrades the release. Resolves the
 * digest for status; a tag that is not the chart's version fails with ChartMutateError.
 */
export async function mutateOciChart(chart: LoadedChart, revision: string): Promise<string> {
  let mutated;
  try {
    mutated = ociChartVersion(chart.version, revision);
  } catch (err) {
    throw new ReconcileFailure(HelmReasons.ChartMutateError, messageOf(err), { cause: err });
  }
  const file = path.join(chart.path, 'Chart.yaml');
  const doc = parseDocument(await readFile(file, 'utf8'));
  doc.set('version', mutated.version);
  // The file is a hard link into the shared artifact tree cache: replace it, never write through it.
  await rm(file);
  await writeFile(file, doc.toString());
  chart.version = mutated.version;
  return mutated.ociDigest;
}

/** Downloads (via the tree cache) and reads the chart of an artifact: the single chart directory inside. */
export async function loadChart(opts: {
  artifacts: ArtifactTreeCache;
  artifact: Artifact;
  dest: string;
  signal: AbortSignal;
  timeoutMs: number;
  requeueMs: number;
}): Promise<LoadedChart> {
  try {
    await opts.artifacts.materialize({
      url: opts.artifact.url,
      digest: opts.artifact.digest,
      dest: opts.dest,
      signal: opts.signal,
      timeoutMs: opts.timeoutMs,
    });
  } catch (err) {
    if (/\b404\b|not found/i.test(messageOf(err))) {
      throw new ReconcileFailure(
        HelmReasons.ArtifactFailed,
        `Source not ready: artifact not found. Retrying in ${Math.round(opts.requeueMs / 1000)}s`,
        { requeueAfterMs: opts.requeueMs, waiting: true, event: 'none', cause: err },
      );
    }
    throw new ReconcileFailure(HelmReasons.ArtifactFailed, `Could not load chart: ${messageOf(err)}`, { cause: err });
  }
  const dirs = (await readdir(opts.dest, { withFileTypes: true })).filter((d) => d.isDirectory());
  const hasChartYaml = async (dir: string): Promise<boolean> =>
    readFile(path.join(dir, 'Chart.yaml')).then(
      () => true,
      () => false,
    );
  let chartDir = (await hasChartYaml(opts.dest)) ? opts.dest : undefined;
  for (const d of dirs)
    if (!chartDir && (await hasChartYaml(path.join(opts.dest, d.name)))) chartDir = path.join(opts.dest, d.name);
  if (!chartDir) {
    throw new ReconcileFailure(HelmReasons.ArtifactFailed, 'Could not load chart: Chart.yaml file is missing');
  }
  let meta: { name?: unknown; version?: unknown; appVersion?: unknown };
  try {
    meta = (parse(await readFile(path.join(chartDir, 'Chart.yaml'), 'utf8')) ?? {}) as typeof meta;
  } catch (err) {
    throw new ReconcileFailure(HelmReasons.ArtifactFailed, `Could not load chart: ${messageOf(err)}`, { cause: err });
  }
  if (typeof meta.name !== 'string' || !meta.name) {
    throw new ReconcileFailure(
      HelmReasons.ArtifactFailed,
      'Could not load chart: validation: chart.metadata.name is required',
    );
  }
  if (meta.version === undefined || meta.version === '') {
    throw new ReconcileFailure(
      HelmReasons.ArtifactFailed,
      'Could not load chart: validation: chart.metadata.version is required',
    );
  }
  const chart: LoadedChart = { path: chartDir, name: meta.name, version: String(meta.version) };
  if (opts.artifact.digest) chart.digest = opts.artifact.digest;
  if (meta.appVersion !== undefined && meta.appVersion !== '') chart.appVersion = String(meta.appVersion);
  return chart;
}

/** Reasons a chart failure is waiting on the source (not counted as a failure). */
export const SourceWaitReasons = [HelmReasons.SourceNotReady, Reasons.ArtifactFailed] as const;
