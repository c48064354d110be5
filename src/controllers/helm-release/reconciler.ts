import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Annotations, Finalizer, Reasons } from '../../api/constants.ts';
import {
  HelmReasons,
  actionTimeoutMs,
  helmChartRefOf,
  helmReleaseIntervalMs,
  helmReleaseName,
  helmReleaseTimeoutMs,
  releaseNamespaceOf,
  storageNamespaceOf,
  type HelmRelease,
  type HelmReleaseStatus,
} from '../../api/helm-release.ts';
import type { Artifact } from '../../api/meta.ts';
import { HealthExprCompileError } from '../../apply/health-exprs.ts';
import type { ArtifactTreeCache } from '../../artifacts/tree-cache.ts';
import type { HelmCli } from '../../helm/cli.ts';
import { valuesDigest } from '../../helm/observation.ts';
import { ReleaseStorage } from '../../helm/release-storage.ts';
import { resolveValues } from '../../helm/values-from.ts';
import { ValuesReferenceError, type Values } from '../../helm/values.ts';
import { getCondition, setCondition } from '../../runtime/conditions.ts';
import type { Informer } from '../../runtime/informer.ts';
import { ReconcileFailure } from '../../runtime/reconcile/failure.ts';
import { StepReconciler, type ReconcileContext } from '../../runtime/reconcile/skeleton.ts';
import type { Step } from '../../runtime/reconcile/steps.ts';
import type { Result } from '../../runtime/result.ts';
import { RemoteClusters, type RemoteCluster } from '../remote-cluster.ts';
import { SliMetrics } from '../sli-metrics.ts';
import { handledRequest, messageOf, refuseUnsupportedFields, withJitter, type ControllerDeps } from '../shared.ts';
import {
  applyChartTemplate,
  chartSourceKindOf,
  deleteChartTemplate,
  loadChart,
  mutateOciChart,
  readySourceArtifact,
  revisionCarriesDigest,
  templateChartKey,
  type ChartSourceKind,
} from './chart.ts';
import { finalizeHelmRelease, uninstallCurrent } from './finalize.ts';
import { healthExprsOf } from './health.ts';
import { recordAttempt, handleAnnotationRequest, releaseTargetMoved } from './attempt.ts';
import { checkDependencies, serviceAccountUser } from './inputs.ts';
import { atomicRelease } from './release.ts';
import { retryOf } from './remediation.ts';
import type { LoadedChart } from './types.ts';

export interface HelmReleaseReconcilerOptions extends ControllerDeps {
  informer: Informer;
  /** The informers of the chart source kinds (HelmChart, OCIRepository, ExternalArtifact). */
  chartSources: Readonly<Record<ChartSourceKind, Informer>>;
  cli: HelmCli;
  artifacts: ArtifactTreeCache;
  requeueDependencyMs: number;
  noCrossNamespaceRefs: boolean;
  defaultServiceAccount?: string;
  /** Flux's ObjectLevelWorkloadIdentity feature gate: `spec.kubeConfig.configMapRef` may name a serviceAccountName. */
  objectLevelWorkloadIdentity?: boolean;
  /** Flux's `--default-kubeconfig-service-account`: the configMapRef token's ServiceAccount when the ConfigMap names none. */
  defaultKubeConfigServiceAccount?: string;
}

interface HrContext extends ReconcileContext<HelmRelease, HelmReleaseStatus> {
  intervalMs: number;
  releaseName: string;
  releaseNamespace: string;
  storageNamespace: string;
  asUser?: string;
  artifact?: Artifact;
  values?: Values;
  chart?: LoadedChart;
  /** The cluster of spec.kubeConfig, when set: helm releases there and keeps its storage there. */
  remote?: RemoteCluster;
  /** The artifact digest of a chart from an OCIRepository or ExternalArtifact (status.lastAttemptedRevisionDigest). */
  ociDigest?: string;
  workDir?: string;
  /** Stalled with a reason of its own (RetriesExceeded) while Ready keeps the release's. */
  stalled?: { reason: string; message: string };
  /** Ended without error but not Ready: Flux still moves observedGeneration. */
  observed?: boolean;
  writeNow(): Promise<void>;
}

const need = <T>(value: T | undefined, what: string): T => {
  if (value === undefined) throw new Error(`internal: ${what} is not known at this step`);
  return value;
};

/**
 * Reconciles HelmReleases as helm-controller does, with the real helm binary doing every release action:
 * spec → dependencies → chart template → source → values → chart → atomic release. Release storage is
 * Helm's own, so `helm list/history/get` show what was done.
 */
export function helmReleaseReconciler(
  o: HelmReleaseReconcilerOptions,
): StepReconciler<HelmRelease, HelmReleaseStatus, HrContext> {
  const sli = new SliMetrics({ registry: o.metrics.registry });
  // helm-controller's reason and message when the kubeconfig cannot be read or the cluster reached.
  const remoteClusters = new RemoteClusters(o.client, {
    reason: HelmReasons.RESTClientError,
    readError: (secret, detail) => `could not get KubeConfig secret '${secret}': ${detail}`,
    objectLevelWorkloadIdentity: o.objectLevelWorkloadIdentity ?? false,
    ...(o.defaultKubeConfigServiceAccount
      ? { defaultKubeConfigServiceAccount: o.defaultKubeConfigServiceAccount }
      : {}),
  });
  const steps: Step<HrContext, Result>[] = [
    refuseUnsupportedFields<HrContext>('HelmRelease'),
    {
      name: 'spec',
      run: (ctx) => {
        const hr = ctx.obj;
        try {
          ctx.intervalMs = helmReleaseIntervalMs(hr.spec);
          helmReleaseTimeoutMs(hr.spec);
          for (const a of ['install', 'upgrade', 'test', 'rollback', 'uninstall'] as const) actionTimeoutMs(hr.spec, a);
          retryOf(hr, 'install');
          retryOf(hr, 'upgrade');
        } catch (err) {
          throw new ReconcileFailure('InvalidSpec', messageOf(err), { stalled: true });
        }
        try {
          healthExprsOf(hr);
        } catch (err) {
          if (!(err instanceof HealthExprCompileError)) throw err;
          throw new ReconcileFailure(
            Reasons.InvalidCELExpression,
            `Reconciliation failed terminally due to configuration error: ${err.message}`,
            { stalled: true, cause: err },
          );
        }
        const kind = chartSourceKindOf(hr);
        if (!kind) {
          throw new ReconcileFailure('InvalidChartReference', 'invalid Chart reference', { stalled: true });
        }
        const ref = helmChartRefOf(hr);
        if (o.noCrossNamespaceRefs && ref.namespace !== hr.metadata.namespace) {
          throw new ReconcileFailure(
            Reasons.AccessDenied,
            `cross-namespace references are not allowed: can't access '${kind}/${ref.namespace}/${ref.name}'`,
            { stalled: true },
          );
        }
      },
    },
    {
      name: 'dependencies',
      run: (ctx) => checkDependencies(ctx.obj, o),
    },
    {
      name: 'chart-template',
      run: async (ctx) => {
        const want = templateChartKey(ctx.obj);
        const had = ctx.status.helmChart;
        if (had && had !== want) {
          await deleteChartTemplate(o.client, had);
          delete ctx.status.helmChart;
        }
        if (ctx.obj.spec.chart)
          ctx.status.helmChart = await applyChartTemplate(o.client, ctx.obj, ctx.obj.spec.interval);
      },
    },
    {
      name: 'source',
      run: (ctx) => {
        ctx.artifact = readySourceArtifact({
          hr: ctx.obj,
          sources: o.chartSources,
          requeueMs: o.requeueDependencyMs,
        }).artifact;
      },
    },
    {
      name: 'values',
      run: async (ctx) => {
        try {
          ctx.values = await resolveValues(o.client, ctx.obj);
        } catch (err) {
          if (err instanceof ValuesReferenceError)
            throw new ReconcileFailure(HelmReasons.ValuesError, err.message, { cause: err });
          throw err;
        }
      },
    },
    {
      name: 'chart',
      run: async (ctx) => {
        ctx.workDir = await mkdtemp(path.join(tmpdir(), 'driftless-hr-'));
        const artifact = need(ctx.artifact, 'artifact');
        ctx.chart = await loadChart({
          artifacts: o.artifacts,
          artifact,
          dest: path.join(ctx.workDir, 'chart'),
          signal: ctx.signal,
          timeoutMs: helmReleaseTimeoutMs(ctx.obj.spec),
          requeueMs: o.requeueDependencyMs,
        });
        const kind = chartSourceKindOf(ctx.obj);
        if (kind && revisionCarriesDigest(kind, artifact.revision)) {
          ctx.ociDigest = await mutateOciChart(ctx.chart, artifact.revision);
        }
      },
    },
    {
      // After the chart, as helm-controller builds its REST client getter: the release's cluster answers.
      name: 'cluster',
      run: async (ctx) => {
        const remote = await remoteClusters.clusterFor(ctx.obj);
        if (!remote) return;
        await remoteClusters.probe(remote);
        ctx.remote = remote;
      },
    },
    {
      name: 'release',
      run: async (ctx) => {
        const { obj: hr, status } = ctx;
        const chart = need(ctx.chart, 'chart');
        const values = need(ctx.values, 'values');
        // In a remote cluster, Helm's storage is there too and the service account is impersonated there.
        const cluster = ctx.remote?.client ?? o.client;
        const remoteKubeConfig = ctx.remote ? { remoteKubeConfig: ctx.remote.kubeConfig } : {};
        const storage = new ReleaseStorage(cluster, ctx.storageNamespace);
        // The release target moved (namespace, name, chart name): uninstall the old one first, as Flux.
        if (releaseTargetMoved(hr, status, { ...ctx, chartName: chart.name })) {
          await uninstallCurrent({
            hr,
            status,
            cli: o.cli,
            ...(ctx.asUser ? { asUser: ctx.asUser } : {}),
            ...remoteKubeConfig,
            recorder: o.recorder,
            signal: ctx.signal,
          });
          delete status.history;
          // Nothing of the old release is left (helm-controller's uninstall clears the inventory).
          delete status.inventory;
          status.failures = 0;
          status.installFailures = 0;
          status.upgradeFailures = 0;
        }
        status.storageNamespace = ctx.storageNamespace;
        const configDigest = valuesDigest(values);
        recordAttempt(hr, status, { revision: chart.version, configDigest, ociDigest: ctx.ociDigest });
        const forceRequested = handleAnnotationRequest(hr, status, Annotations.forceRequestedAt, 'lastHandledForceAt');
        const outcome = await atomicRelease({
          obj: hr,
          metadata: ctx.metadata,
          status,
          chart,
          values,
          configDigest,
          releaseName: ctx.releaseName,
          releaseNamespace: ctx.releaseNamespace,
          storageNamespace: ctx.storageNamespace,
          cli: o.cli,
          storage,
          client: ctx.asUser ? cluster.impersonate(ctx.asUser) : cluster,
          ...(ctx.asUser ? { asUser: ctx.asUser } : {}),
          ...remoteKubeConfig,
          forceRequested,
          signal: ctx.signal,
          write: () => ctx.writeNow(),
          event: (e) => ctx.event(e),
        });
        const ready = getCondition(ctx, 'Ready');
        const reason = ready?.reason ?? Reasons.ReconciliationFailed;
        const message = ready?.message ?? '';
        switch (outcome.kind) {
          case 'ready':
            return;
          case 'requeue':
            throw new ReconcileFailure(reason, message, { requeueAfterMs: 1000, event: 'none' });
          case 'notReady':
            ctx.observed = true;
            throw new ReconcileFailure(reason, message, { requeueAfterMs: withJitter(ctx.intervalMs), event: 'none' });
          case 'stalled':
            ctx.stalled = { reason: outcome.reason, message: outcome.message };
            throw new ReconcileFailure(reason, message, { stalled: true, event: 'none' });
          case 'error':
            throw new ReconcileFailure(outcome.reason, outcome.message, { event: 'none' });
          case 'retry':
            // helm-controller returns no error here: the generation counts as observed.
            ctx.observed = true;
            throw new ReconcileFailure(reason, message, {
              requeueAfterMs: withJitter(outcome.afterMs),
              event: 'none',
            });
        }
      },
    },
  ];

  const reconciler = new StepReconciler<HelmRelease, HelmReleaseStatus, HrContext>({
    kind: 'HelmRelease',
    client: o.client,
    recorder: o.recorder,
    logger: o.logger,
    outcomes: sli,
    read: (req) => o.informer.get(`${req.namespace}/${req.name}`) as HelmRelease | undefined,
    finalizer: Finalizer,
    finalize: async (hr, signal) => {
      await finalizeHelmRelease({
        hr,
        client: o.client,
        cli: o.cli,
        recorder: o.recorder,
        ...(serviceAccountUser(hr, o.defaultServiceAccount)
          ? { asUser: serviceAccountUser(hr, o.defaultServiceAccount) as string }
          : {}),
        remote: async () => {
          // The Secret or ConfigMap is gone: the release cannot be reached, skip its uninstall (as helm-controller).
          if (!(await remoteClusters.kubeConfigExists(hr))) return null;
          return await remoteClusters.clusterFor(hr);
        },
        signal,
      });
      return {};
    },
    skip: (hr) => hr.spec.suspend === true,
    context: (base): HrContext => {
      const hr = base.obj;
      const asUser = serviceAccountUser(hr, o.defaultServiceAccount);
      const ctx: HrContext = Object.assign(base, {
        intervalMs: 0,
        releaseName: helmReleaseName(hr),
        releaseNamespace: releaseNamespaceOf(hr),
        storageNamespace: storageNamespaceOf(hr),
        ...(asUser ? { asUser } : {}),
        writeNow: async () => {
          // The skeleton's `progress` writes the status as it stands (Reconciling re-set as it is), but it also
          // turns a True Ready into Unknown; helm-controller leaves Ready alone around a test, so a Ready
          // release is not written until the reconcile ends.
          if (getCondition(ctx, 'Ready')?.status === 'True') return;
          const r = getCondition(ctx, 'Reconciling');
          await base.progress(r?.reason ?? 'Progressing', r?.message ?? '');
        },
      });
      return ctx;
    },
    steps,
    fallbackReason: Reasons.ReconciliationFailed,
    markRetrying: 'whenReconciling',
    retryAfterMs: () => 'backoff',
    ready: (ctx) => {
      const ready = getCondition(ctx, 'Ready');
      return {
        reason: ready?.reason ?? HelmReasons.InstallSucceeded,
        message: ready?.message ?? '',
        requeueAfterMs: withJitter(ctx.intervalMs),
      };
    },
    finishStatus: (ctx) => {
      handledRequest(ctx.obj, ctx.status);
      if (ctx.stalled?.reason) setCondition(ctx, { type: 'Stalled', status: 'True', ...ctx.stalled });
      if (ctx.observed) ctx.status.observedGeneration = ctx.obj.metadata.generation ?? 0;
    },
    eventMetadata: (ctx): Record<string, string> =>
      ctx.status.lastAttemptedRevision ? { revision: ctx.status.lastAttemptedRevision } : {},
    release: async (ctx) => {
      if (ctx.workDir) await rm(ctx.workDir, { recursive: true, force: true });
    },
  });
  return reconciler;
}
