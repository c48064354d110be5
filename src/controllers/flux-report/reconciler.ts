import { performance } from 'node:perf_hooks';
import { parseDuration } from '../../api/duration.ts';
import {
  ControlPlaneAnnotations,
  ControlPlaneApiVersion,
  FluxReportName,
  FluxReportTypeMeta,
} from '../../api/flux-report.ts';
import type { FluxReport, FluxReportSpec, FluxReportStatus, ReconcilerStatus } from '../../api/flux-report.ts';
import type { KubeObject } from '../../kube/types.ts';
import type { Informer } from '../../runtime/informer.ts';
import { patchStatusDiff } from '../../runtime/reconcile/status-patch.ts';
import type { Reconciler, Request, Result } from '../../runtime/result.ts';
import { messageOf, type ControllerDeps } from '../shared.ts';
import {
  listServedFluxKinds,
  readCluster,
  readDeploymentImage,
  readDistribution,
  readSyncObjects,
  type ServedKind,
} from './collect.ts';
import { ComponentKinds, componentStatus } from './components.ts';
import {
  conditionChanged,
  pendingRequest,
  reportReadyCondition,
  ReportReasons,
  specChanged,
  type PartFailure,
} from './compute/report-status.ts';
import { reconcilerStats } from './compute/stats.ts';
import { syncStatus } from './compute/sync.ts';
import type { ResourceInfoMetric } from './resource-info-metric.ts';
import { runtimePlatform } from './version.ts';

/** Field manager of the report's spec (server-side apply) and status. */
export const FIELD_MANAGER = 'driftless';

export interface FluxReportReconcilerOptions extends ControllerDeps {
  /** FluxReport objects in `namespace`. */
  informer: Informer;
  /** The manager's runtime namespace, where the report lives. */
  namespace: string;
  /** Default refresh interval; the `fluxcd.controlplane.io/reconcileEvery` annotation overrides it. */
  intervalMs: number;
  /** Driftless's version, e.g. `v0.1.0`. */
  version: string;
  /** The manager's identity (Lease holder), shown in component status lines. */
  identity: string;
  /** Reconciler groups running in this manager (keys of ComponentKinds). */
  components: readonly string[];
  /** The running groups' informers by kind: their caches stand in for LISTs and tell readiness. */
  caches: ReadonlyMap<string, Informer>;
  isLeader: () => boolean;
  resourceInfo: ResourceInfoMetric;
  /** The Deployment running this manager (in-cluster only), for the components' image. */
  deployment?: { namespace: string; name: string };
}

/** A report that could not be computed completely; carries the Ready reason of the first failed part. */
export class ReportingError extends Error {
  override readonly name = 'ReportingError';
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Keeps `FluxReport/<namespace>/flux` equal to what the cluster looks like: creates it when missing
 * (server-side apply), skips while `fluxcd.controlplane.io/reconcile: disabled`, recomputes every
 * part (a failed part keeps its previous value and turns Ready False), writes only when the spec or
 * the Ready condition changed in substance or a `requestedAt` token is unhandled, resets
 * `flux_resource_info`, and comes back after the interval. A failed part is also an error, so the
 * controller retries with backoff.
 */
export class FluxReportReconciler implements Reconciler {
  private readonly o: FluxReportReconcilerOptions;

  constructor(opts: FluxReportReconcilerOptions) {
    this.o = opts;
  }

  async reconcile(req: Request): Promise<Result> {
    if (req.namespace !== this.o.namespace || req.name !== FluxReportName) return {};
    const stored = this.o.informer.get(`${this.o.namespace}/${FluxReportName}`) as FluxReport | undefined;
    if (stored && isPaused(stored)) return {};

    const started = performance.now();
    const failures: PartFailure[] = [];
    const spec = await this.compute(stored?.spec, failures);
    const written = await this.write(stored, spec, failures, performance.now() - started);
    const first = failures[0];
    if (first) {
      const message = failures.map((f) => f.message).join('; ');
      if (written) await this.o.recorder.record(written, { type: 'Warning', reason: first.reason, message });
      throw new ReportingError(first.reason, message);
    }
    return { requeueAfterMs: this.intervalOf(stored) };
  }

  private async compute(previous: FluxReportSpec | undefined, failures: PartFailure[]): Promise<FluxReportSpec> {
    const part = async <T>(reason: string, field: string, fn: () => Promise<T>, fallback: T): Promise<T> => {
      try {
        return await fn();
      } catch (err) {
        failures.push({ reason, message: `${field}: ${messageOf(err)}` });
        return fallback;
      }
    };
    const { client } = this.o;
    const [distribution, cluster, components, served] = await Promise.all([
      part(
        ReportReasons.DistributionFailed,
        'spec.distribution',
        () => readDistribution(client, this.o.version),
        previous?.distribution ?? { entitlement: 'Unknown', status: 'Unknown' },
      ),
      part(ReportReasons.ClusterFailed, 'spec.cluster', () => readCluster(client), previous?.cluster),
      part(ReportReasons.ComponentsFailed, 'spec.components', () => this.components(), previous?.components),
      part(
        ReportReasons.ReconcilersFailed,
        'spec.reconcilers: listing the Flux CRDs',
        () => listServedFluxKinds(client),
        undefined,
      ),
    ]);
    const [reconcilers, sync] = await Promise.all([
      served ? this.reconcilers(served, previous?.reconcilers ?? [], failures) : Promise.resolve(previous?.reconcilers),
      part(ReportReasons.SyncFailed, 'spec.sync', () => this.sync(served ?? []), previous?.sync),
    ]);
    const spec: FluxReportSpec = { distribution };
    if (cluster) spec.cluster = cluster;
    spec.operator = { apiVersion: ControlPlaneApiVersion, version: this.o.version, platform: runtimePlatform() };
    if (components) spec.components = components;
    if (reconcilers) spec.reconcilers = reconcilers;
    if (sync) spec.sync = sync;
    return spec;
  }

  private async components(): Promise<FluxReportSpec['components']> {
    const { deployment } = this.o;
    const image = deployment
      ? await readDeploymentImage(this.o.client, deployment.namespace, deployment.name)
      : undefined;
    return this.o.components
      .map((name) => {
        const kinds = (ComponentKinds[name] ?? []).map((k) => k.kind);
        const unsynced = kinds.filter((k) => !this.o.caches.get(k)?.hasSynced);
        return componentStatus({ name, kinds, leader: this.o.isLeader(), unsynced, identity: this.o.identity, image });
      })
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Stats per served kind, and `flux_resource_info` replaced with every object seen. */
  private async reconcilers(
    served: readonly ServedKind[],
    previous: readonly ReconcilerStatus[],
    failures: PartFailure[],
  ): Promise<ReconcilerStatus[]> {
    const errors: string[] = [];
    const failedKinds = new Set<string>();
    const seen: KubeObject[] = [];
    const entries = await Promise.all(
      served.map(async (k): Promise<ReconcilerStatus | undefined> => {
        try {
          const objects = await this.objectsOf(k);
          seen.push(...objects);
          return { apiVersion: k.apiVersion, kind: k.kind, stats: reconcilerStats(objects) };
        } catch (err) {
          failedKinds.add(k.kind);
          errors.push(`listing ${k.kind} (${k.apiVersion}): ${messageOf(err)}`);
          return previous.find((p) => p.kind === k.kind && p.apiVersion === k.apiVersion);
        }
      }),
    );
    this.o.resourceInfo.replace(seen, failedKinds);
    if (errors.length)
      failures.push({ reason: ReportReasons.ReconcilersFailed, message: `spec.reconcilers: ${errors.join('; ')}` });
    return entries.filter((e): e is ReconcilerStatus => e !== undefined);
  }

  // The running groups' caches are complete and current; other kinds cost one LIST per report.
  private async objectsOf(k: ServedKind): Promise<KubeObject[]> {
    const cache = this.o.caches.get(k.kind);
    if (cache?.hasSynced && groupOf(cache.apiVersion) === groupOf(k.apiVersion)) return cache.list();
    return (await this.o.client.list(k.apiVersion, k.kind)).items;
  }

  private async sync(served: readonly ServedKind[]): Promise<FluxReportSpec['sync']> {
    const { name, kustomization, source } = await readSyncObjects(this.o.client, this.o.namespace, served);
    return kustomization ? syncStatus({ name, kustomization, source }) : undefined;
  }

  /** Applies the spec when it changed, then the status when anything changed; returns the written object. */
  private async write(
    stored: FluxReport | undefined,
    spec: FluxReportSpec,
    failures: readonly PartFailure[],
    tookMs: number,
  ): Promise<KubeObject | undefined> {
    const request = stored ? pendingRequest(stored) : undefined;
    let current: KubeObject | undefined = stored;
    const writeSpec = !stored || specChanged(stored.spec, spec);
    if (writeSpec) {
      const desired = { ...FluxReportTypeMeta, metadata: { name: FluxReportName, namespace: this.o.namespace }, spec };
      current = await this.o.client.apply(desired, { fieldManager: FIELD_MANAGER });
    }
    const condition = reportReadyCondition({
      tookMs,
      failures,
      generation: current?.metadata.generation ?? 0,
      now: new Date(),
    });
    if (!current || (!writeSpec && !request && !conditionChanged(stored?.status, condition))) return undefined;
    const status: FluxReportStatus = { ...stored?.status, conditions: [condition] };
    if (request) status.lastHandledReconcileAt = request;
    await patchStatusDiff(this.o.client, current, stored?.status, status);
    return current;
  }

  private intervalOf(report: FluxReport | undefined): number {
    const every = report?.metadata.annotations?.[ControlPlaneAnnotations.reconcileEvery];
    if (!every) return this.o.intervalMs;
    try {
      const ms = parseDuration(every, `metadata.annotations["${ControlPlaneAnnotations.reconcileEvery}"]`);
      return ms > 0 ? ms : this.o.intervalMs;
    } catch (err) {
      this.o.logger.warn({ err: messageOf(err) }, 'FluxReport: ignoring the reconcileEvery annotation');
      return this.o.intervalMs;
    }
  }
}

/** `fluxcd.controlplane.io/reconcile: disabled` pauses the report (any case, as the Operator reads it). */
export const isPaused = (report: KubeObject): boolean =>
  report.metadata.annotations?.[ControlPlaneAnnotations.reconcile]?.toLowerCase() === 'disabled';

const groupOf = (apiVersion: string): string =>
  apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
