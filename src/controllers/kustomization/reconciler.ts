import { ConditionTypes, Finalizer, Reasons } from '../../api/constants.ts';
import { formatDuration } from '../../api/duration.ts';
import { recordHistory } from '../../api/history.ts';
import {
  kustomizationIntervalMs,
  kustomizationTimeoutMs,
  retryIntervalMs,
  type Kustomization,
  type KustomizationStatus,
} from '../../api/kustomization.ts';
import type { Artifact } from '../../api/meta.ts';
import type { ApplyAndPruneResult } from '../../apply/apply-and-prune.ts';
import type { AppliedMemory } from '../../apply/applied-memory.ts';
import { hasChanges } from '../../apply/changeset.ts';
import type { ArtifactTreeCache } from '../../artifacts/tree-cache.ts';
import { BuildCache } from '../../render/build-cache.ts';
import type { KubeClient } from '../../kube/client.ts';
import { refOf, type KubeObject } from '../../kube/types.ts';
import { deleteCondition, getCondition, markTrue, markUnknown } from '../../runtime/conditions.ts';
import type { Informer } from '../../runtime/informer.ts';
import { ReconcileFailure } from '../../runtime/reconcile/failure.ts';
import { StepReconciler, type ReconcileContext } from '../../runtime/reconcile/skeleton.ts';
import type { Step } from '../../runtime/reconcile/steps.ts';
import type { Result } from '../../runtime/result.ts';
import { SliMetrics } from '../sli-metrics.ts';
import { handledRequest, messageOf, refuseUnsupportedFields, withJitter, type ControllerDeps } from '../shared.ts';
import type { DriftWatcher } from './drift-watch.ts';
import type { DriftLog } from '../../apply/drift-log.ts';
import { reportChanges } from './report-changes.ts';
import { finalizeKustomization } from './finalize.ts';
import { RemoteClusters, type RemoteCluster } from '../remote-cluster.ts';
import { applyKustomization } from './steps/apply.ts';
import { buildManifests } from './steps/build.ts';
import { checkDependencies } from './steps/dependencies.ts';
import { checkHealth, healthCheckTargets } from './steps/health.ts';
import { resolveSource } from './steps/source.ts';

export interface KustomizationReconcilerOptions extends ControllerDeps {
  informer: Informer;
  /** Source informers by kind (GitRepository, …). */
  sources: Map<string, Informer>;
  kustomizeBin: string;
  /** Unpacked artifacts shared by every Kustomization of a revision. */
  artifacts: ArtifactTreeCache;
  /** Built manifests by their inputs (default: a cache of this reconciler's own). */
  builds?: BuildCache;
  driftWatcher?: DriftWatcher;
  /** Where corrected drift is recorded for the dashboard (in memory). */
  driftLog?: DriftLog;
  /** What was applied before, checked against the drift watcher's caches (absent without drift watching). */
  memory?: AppliedMemory;
  /** Flux's `--requeue-dependency` (default 30 s). */
  requeueDependencyMs: number;
  noCrossNamespaceRefs: boolean;
  noRemoteBases: boolean;
  /** Flux's `--default-service-account`: impersonated when `spec.serviceAccountName` is empty. */
  defaultServiceAccount?: string;
  /** Flux's ObjectLevelWorkloadIdentity feature gate: `spec.kubeConfig.configMapRef` may name a serviceAccountName. */
  objectLevelWorkloadIdentity?: boolean;
  /** Flux's `--default-kubeconfig-service-account`: the configMapRef token's ServiceAccount when the ConfigMap names none. */
  defaultKubeConfigServiceAccount?: string;
}

/** What the steps of one Kustomization reconcile find out, in order. */
interface KsContext extends ReconcileContext<Kustomization, KustomizationStatus> {
  /** This cluster, acting as `spec.serviceAccountName` (or the default service account) when set. */
  client: KubeClient;
  /** The cluster applied to, pruned in and health-checked: `client`, or that of `spec.kubeConfig`. */
  target?: KubeClient;
  /** The cluster of `spec.kubeConfig`, when set. */
  remote?: RemoteCluster;
  intervalMs: number;
  timeoutMs: number;
  retryMs: number;
  artifact?: Artifact;
  revision?: string;
  /** sha256 of the built YAML (for `status.history`). */
  digest?: string;
  objects?: KubeObject[];
  applied?: ApplyAndPruneResult;
  /** Ready and applied at this revision before this reconcile. */
  wasReady: boolean;
  /**
   * Beyond Flux: a re-reconcile of the revision already applied and Ready at this generation writes no progress
   * (Reconciling) status, only the final one, unless the apply changed something (drift corrected).
   */
  quiet: boolean;
}

const need = <T>(value: T | undefined, what: string): T => {
  if (value === undefined) throw new Error(`internal: ${what} is not known at this step`);
  return value;
};

/**
 * Reconciles Kustomizations as ordered steps on the shared skeleton: spec → source → dependencies →
 * revision → build → apply and prune → health. A failure at any step leaves the cluster as the last good
 * apply left it (no prune), sets Ready=False with the step's reason, emits a Warning event and retries
 * after `retryInterval`. Health checks wait inside the reconcile (bounded by `spec.timeout`, cancelled
 * on shutdown), as Flux does.
 */
export function kustomizationReconciler(
  o: KustomizationReconcilerOptions,
): StepReconciler<Kustomization, KustomizationStatus, KsContext> {
  const sli = new SliMetrics({ registry: o.metrics.registry });
  const builds = o.builds ?? new BuildCache();
  const remoteClusters = new RemoteClusters(o.client, {
    objectLevelWorkloadIdentity: o.objectLevelWorkloadIdentity ?? false,
    ...(o.defaultKubeConfigServiceAccount
      ? { defaultKubeConfigServiceAccount: o.defaultKubeConfigServiceAccount }
      : {}),
  });
  /** `base` acting as the Kustomization's service account (or the default one), as Flux impersonates. */
  const asAccount = (base: KubeClient, ks: Kustomization): KubeClient => {
    const sa = ks.spec.serviceAccountName || o.defaultServiceAccount;
    return sa ? base.asServiceAccount(ks.metadata.namespace ?? '', sa) : base;
  };
  const clientFor = (ks: Kustomization): KubeClient => asAccount(o.client, ks);

  const steps: Step<KsContext, Result>[] = [
    refuseUnsupportedFields<KsContext>('Kustomization'),
    {
      name: 'spec',
      run: (ctx) => {
        try {
          ctx.intervalMs = kustomizationIntervalMs(ctx.obj.spec);
          ctx.timeoutMs = kustomizationTimeoutMs(ctx.obj.spec);
          ctx.retryMs = retryIntervalMs(ctx.obj.spec);
        } catch (err) {
          throw new ReconcileFailure('InvalidSpec', messageOf(err), { stalled: true });
        }
      },
    },
    {
      name: 'source',
      run: (ctx) => {
        const { artifact } = resolveSource({
          ks: ctx.obj,
          sources: o.sources,
          noCrossNamespaceRefs: o.noCrossNamespaceRefs,
          requeueDependencyMs: o.requeueDependencyMs,
          retryIntervalMs: ctx.retryMs,
        });
        ctx.artifact = artifact;
        ctx.revision = artifact.revision;
      },
    },
    {
      name: 'dependencies',
      run: (ctx) =>
        checkDependencies({
          ks: ctx.obj,
          informer: o.informer,
          revision: need(ctx.revision, 'revision'),
          requeueDependencyMs: o.requeueDependencyMs,
        }),
    },
    {
      name: 'revision',
      run: async (ctx) => {
        const revision = need(ctx.revision, 'revision');
        const isNew = ctx.obj.status?.lastAttemptedRevision !== revision;
        const status = ctx.obj.status;
        ctx.quiet =
          !isNew &&
          status?.lastAppliedRevision === revision &&
          status.observedGeneration === ctx.obj.metadata.generation &&
          getCondition(ctx.obj, ConditionTypes.Ready)?.status === 'True';
        ctx.status.lastAttemptedRevision = revision;
        await ctx.progress(
          Reasons.Progressing,
          `Fetching manifests for revision ${revision} with a timeout of ${formatDuration(ctx.timeoutMs)}`,
          { write: !ctx.quiet },
        );
        // Beyond Flux: announce the start, so commit-status providers can mark the commit `pending`
        // (the commit_status flag routes it to them; other Progressing events, like the change set, are not).
        if (isNew)
          await ctx.event({
            type: 'Normal',
            reason: Reasons.Progressing,
            message: `Reconciliation in progress for revision ${revision}`,
            metadata: { revision, commit_status: 'update' },
          });
      },
    },
    {
      name: 'build',
      run: async (ctx) => {
        const built = await buildManifests({
          ks: ctx.obj,
          artifacts: o.artifacts,
          artifact: need(ctx.artifact, 'artifact'),
          client: ctx.client,
          // The SOPS keys Secret is read by the controller itself, as in Flux, not as the service account.
          decryptionClient: o.client,
          kustomizeBin: o.kustomizeBin,
          allowRemoteBases: !o.noRemoteBases,
          signal: ctx.signal,
          timeoutMs: ctx.timeoutMs,
          cache: builds,
        });
        ctx.digest = built.digest;
        ctx.objects = built.objects;
      },
    },
    {
      name: 'cluster',
      run: async (ctx) => {
        const remote = await remoteClusters.clusterFor(ctx.obj);
        if (remote) {
          await remoteClusters.probe(remote);
          ctx.remote = remote;
        }
        // In a remote cluster the service account is impersonated there, as Flux does.
        ctx.target = remote ? asAccount(remote.client, ctx.obj) : ctx.client;
      },
    },
    {
      name: 'apply',
      run: async (ctx) => {
        const ks = ctx.obj;
        // The drift watcher and the applied memory watch this cluster only: a remote cluster is re-planned
        // in full every interval, as Flux does for every cluster.
        const driftWatcher = ctx.remote ? undefined : o.driftWatcher;
        const drift = driftWatcher?.take(`${ks.metadata.namespace}/${ks.metadata.name}`) ?? [];
        const applied = await applyKustomization({
          ks,
          client: need(ctx.target, 'target cluster'),
          objects: need(ctx.objects, 'objects'),
          signal: ctx.signal,
          timeoutMs: ctx.timeoutMs,
          memory: ctx.remote ? undefined : o.memory,
        });
        ctx.applied = applied;
        ctx.status.inventory = applied.inventory;
        driftWatcher?.observe(applied.inventory.entries);
        await reportChanges({
          ks,
          revision: need(ctx.revision, 'revision'),
          applied,
          drift,
          event: (e) => ctx.event(e),
          driftWatcher,
          driftLog: o.driftLog,
        });
        if (applied.pruneFailures.length) {
          throw new ReconcileFailure(
            Reasons.PruneFailed,
            `failed to delete: ${applied.pruneFailures.map((f) => f.subject).join(', ')} (kept in the inventory, will retry)`,
          );
        }
      },
    },
    {
      name: 'health',
      run: async (ctx) => {
        const targets = healthCheckTargets(ctx.obj, need(ctx.applied, 'applied').inventory);
        if (targets.length === 0) {
          deleteCondition(ctx, ConditionTypes.Healthy);
          return;
        }
        const message = `Running health checks for revision ${ctx.revision} with a timeout of ${formatDuration(ctx.timeoutMs)}`;
        markUnknown(ctx, ConditionTypes.Healthy, Reasons.Progressing, message);
        const applied = need(ctx.applied, 'applied');
        await ctx.progress(Reasons.Progressing, message, { write: !ctx.quiet || hasChanges(applied.changeSet) });
        const tookMs = await checkHealth({
          client: need(ctx.target, 'target cluster'),
          targets,
          timeoutMs: Math.max(1000, ctx.timeoutMs - ctx.elapsedMs()),
          signal: ctx.signal,
          // The drift watches see this cluster's applied objects change: re-check on change, not only every 2 s.
          events: ctx.remote ? undefined : o.driftWatcher?.health,
        });
        markTrue(ctx, ConditionTypes.Healthy, Reasons.Succeeded, `Health check passed in ${formatDuration(tookMs)}`);
      },
    },
  ];

  /**
   * The cluster to garbage-collect in at deletion; `undefined` when the kubeconfig Secret or ConfigMap is
   * gone, so the objects cannot be reached (Flux then skips the prune with an error event and lets the object go).
   */
  async function finalizeClient(ks: Kustomization): Promise<KubeClient | undefined> {
    if (!ks.spec.kubeConfig) return clientFor(ks);
    if (!(await remoteClusters.kubeConfigExists(ks))) return undefined;
    const remote = await remoteClusters.clusterFor(ks);
    return remote ? asAccount(remote.client, ks) : clientFor(ks);
  }

  const historyEntry = (ctx: KsContext, status: string): void => {
    if (!ctx.digest) return;
    ctx.status.history = recordHistory(ctx.status.history, {
      digest: ctx.digest,
      status,
      durationMs: ctx.elapsedMs(),
      now: new Date(),
      metadata: { revision: ctx.status.lastAttemptedRevision ?? '' },
    });
  };

  return new StepReconciler<Kustomization, KustomizationStatus, KsContext>({
    kind: 'Kustomization',
    client: o.client,
    recorder: o.recorder,
    logger: o.logger,
    outcomes: sli,
    read: (req) => o.informer.get(`${req.namespace}/${req.name}`) as Kustomization | undefined,
    // Gone, or handed over to another shard (its label no longer matches this process's selector): nothing is
    // pruned and the finalizer stays, since only a deletionTimestamp finalizes; the drift seen for it is dropped.
    onMissing: (req) => Promise.resolve(void o.driftWatcher?.take(`${req.namespace}/${req.name}`)),
    finalizer: Finalizer,
    finalize: async (cachedKs) => {
      // The cache can lag behind this process's own last status write (a reconcile that applied new objects just
      // before the delete): read the inventory from the API server, or objects applied last would be orphaned.
      const ks = (await o.client.get<Kustomization>(refOf(cachedKs))) ?? cachedKs;
      if (!ks.metadata.deletionTimestamp) return {};
      await finalizeKustomization({
        ks,
        client: await finalizeClient(ks),
        adminClient: o.client,
        recorder: o.recorder,
      });
      return {};
    },
    skip: (ks) => ks.spec.suspend === true,
    context: (base): KsContext =>
      Object.assign(base, {
        client: clientFor(base.obj),
        intervalMs: 0,
        timeoutMs: 0,
        retryMs: 0,
        wasReady: false,
        quiet: false,
      }),
    steps,
    fallbackReason: Reasons.ReconciliationFailed,
    markRetrying: 'whenReconciling',
    retryAfterMs: (ctx) => ctx.retryMs,
    ready: (ctx) => {
      const ks = ctx.obj;
      const revision = need(ctx.revision, 'revision');
      const wasReady =
        getCondition(ks, ConditionTypes.Ready)?.status === 'True' && ks.status?.lastAppliedRevision === revision;
      ctx.status.lastAppliedRevision = revision;
      const origin = ctx.artifact?.metadata?.['org.opencontainers.image.revision'];
      if (origin) ctx.status.lastAppliedOriginRevision = origin;
      historyEntry(ctx, Reasons.ReconciliationSucceeded);
      const changed = ctx.applied ? hasChanges(ctx.applied.changeSet) : false;
      return {
        reason: Reasons.ReconciliationSucceeded,
        message: `Applied revision: ${revision}`,
        requeueAfterMs: withJitter(ctx.intervalMs),
        events:
          !wasReady || changed
            ? [
                {
                  type: 'Normal',
                  reason: Reasons.ReconciliationSucceeded,
                  message: `Reconciliation finished in ${formatDuration(ctx.elapsedMs())}, next run in ${formatDuration(ctx.intervalMs)}`,
                  metadata: { revision, commit_status: 'update' },
                },
              ]
            : [],
      };
    },
    afterSuccess: (ctx) =>
      sli.applied({
        kind: 'Kustomization',
        revision: need(ctx.revision, 'revision'),
        previousRevision: ctx.obj.status?.lastAppliedRevision,
        artifactMetadata: ctx.artifact?.metadata,
        createdAt: ctx.obj.metadata.creationTimestamp,
      }),
    onFailure: (ctx, failure) => historyEntry(ctx, failure.reason),
    finishStatus: (ctx) => handledRequest(ctx.obj, ctx.status),
    eventMetadata: (ctx): Record<string, string> =>
      ctx.status.lastAttemptedRevision ? { revision: ctx.status.lastAttemptedRevision } : {},
  });
}
