import { Annotations, ConditionTypes, Finalizer, Reasons } from '../../api/constants.ts';
import { formatDuration } from '../../api/duration.ts';
import {
  kustomizationIntervalMs,
  kustomizationTimeoutMs,
  retryIntervalMs,
  type Kustomization,
  type KustomizationStatus,
} from '../../api/kustomization.ts';
import { formatChangeSet, hasChanges } from '../../apply/changeset.ts';
import type { ArtifactTreeCache } from '../../artifacts/tree-cache.ts';
import type { KubeClient } from '../../kube/client.ts';
import {
  deleteCondition,
  getCondition,
  markFalse,
  markReady,
  markReconciling,
  markTrue,
  markUnknown,
} from '../../runtime/conditions.ts';
import type { Informer } from '../../runtime/informer.ts';
import { ensureFinalizer, patchStatus } from '../../runtime/patch.ts';
import type { Reconciler, Request, Result } from '../../runtime/result.ts';
import { SliMetrics } from '../../runtime/sli-metrics.ts';
import { messageOf, withJitter, type ControllerDeps } from '../shared.ts';
import type { DriftWatcher } from './drift-watch.ts';
import { finalizeKustomization } from './finalize.ts';
import { recordHistory } from '../../api/history.ts';
import { StepFailure } from './step-failure.ts';
import { applyAndPrune } from './steps/apply.ts';
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
  driftWatcher?: DriftWatcher;
  /** Flux's `--requeue-dependency` (default 30 s). */
  requeueDependencyMs: number;
  noCrossNamespaceRefs: boolean;
  noRemoteBases: boolean;
  /** Flux's `--default-service-account`: impersonated when `spec.serviceAccountName` is empty. */
  defaultServiceAccount?: string;
}

type Status = KustomizationStatus;
type View = { metadata: Kustomization['metadata']; status: Status };

/**
 * Reconciles Kustomizations: source → dependencies → build → staged apply → prune → health →
 * status. A failure at any step leaves the cluster as the last good apply left it (no prune),
 * sets Ready=False with the step's reason, emits a Warning event and retries after `retryInterval`.
 */
export class KustomizationReconciler implements Reconciler {
  private readonly o: KustomizationReconcilerOptions;
  private readonly sli: SliMetrics;

  constructor(opts: KustomizationReconcilerOptions) {
    this.o = opts;
    this.sli = new SliMetrics({ registry: opts.metrics.registry });
  }

  async reconcile(req: Request): Promise<Result> {
    const cached = this.o.informer.get(`${req.namespace}/${req.name}`) as Kustomization | undefined;
    if (!cached) return {};
    const ks = structuredClone(cached);
    const client = this.clientFor(ks);
    if (ks.metadata.deletionTimestamp) {
      await finalizeKustomization({ ks, client, adminClient: this.o.client, recorder: this.o.recorder });
      return {};
    }
    await ensureFinalizer(this.o.client, ks, Finalizer);
    if (ks.spec.suspend) return {};

    let intervalMs: number, timeoutMs: number, retryMs: number;
    try {
      intervalMs = kustomizationIntervalMs(ks.spec);
      timeoutMs = kustomizationTimeoutMs(ks.spec);
      retryMs = retryIntervalMs(ks.spec);
    } catch (err) {
      return await this.fail(
        ks,
        newView(ks),
        new StepFailure('InvalidSpec', messageOf(err), { stalled: true }),
        0,
        undefined,
      );
    }
    const view = newView(ks);
    const started = Date.now();
    // The steps enforce `timeout` themselves (with Flux's messages); the signal is a backstop.
    const signal = AbortSignal.timeout(timeoutMs + 15_000);
    let digest: string | undefined;
    try {
      const { artifact } = resolveSource({
        ks,
        sources: this.o.sources,
        noCrossNamespaceRefs: this.o.noCrossNamespaceRefs,
        requeueDependencyMs: this.o.requeueDependencyMs,
        retryIntervalMs: retryMs,
      });
      const revision = artifact.revision;
      checkDependencies({ ks, informer: this.o.informer, revision, requeueDependencyMs: this.o.requeueDependencyMs });
      const newRevision = ks.status?.lastAttemptedRevision !== revision;
      view.status.lastAttemptedRevision = revision;
      await this.progress(
        ks,
        view,
        `Fetching manifests for revision ${revision} with a timeout of ${formatDuration(timeoutMs)}`,
      );
      if (newRevision) {
        // Beyond Flux: announce the start, so commit-status providers can mark the commit `pending`.
        await this.o.recorder.record(ks, {
          type: 'Normal',
          reason: Reasons.Progressing,
          message: `Reconciliation in progress for revision ${revision}`,
          metadata: { revision },
        });
      }

      const built = await buildManifests({
        ks,
        artifacts: this.o.artifacts,
        artifact,
        client,
        kustomizeBin: this.o.kustomizeBin,
        allowRemoteBases: !this.o.noRemoteBases,
        signal,
        timeoutMs,
      });
      digest = built.digest;
      const drift = this.o.driftWatcher?.take(`${ks.metadata.namespace}/${ks.metadata.name}`) ?? [];
      const outcome = await applyAndPrune({ ks, client, objects: built.objects, signal, timeoutMs }).catch(
        (err: unknown) => {
          if (err instanceof StepFailure && err.opts.inventory) view.status.inventory = err.opts.inventory;
          throw err;
        },
      );
      view.status.inventory = outcome.inventory;
      this.o.driftWatcher?.observe(outcome.inventory.entries);
      await this.reportChanges(ks, outcome.changeSet, revision, drift);
      if (outcome.pruneFailures.length) {
        throw new StepFailure(
          Reasons.PruneFailed,
          `failed to delete: ${outcome.pruneFailures.join(', ')} (kept in the inventory, will retry)`,
        );
      }

      const targets = healthCheckTargets(ks, outcome.inventory);
      if (targets.length) {
        const msg = `Running health checks for revision ${revision} with a timeout of ${formatDuration(timeoutMs)}`;
        markUnknown(view, ConditionTypes.Healthy, Reasons.Progressing, msg);
        await this.progress(ks, view, msg);
        const tookMs = await checkHealth({
          client,
          targets,
          timeoutMs: Math.max(1000, timeoutMs - (Date.now() - started)),
          signal,
        });
        markTrue(view, ConditionTypes.Healthy, Reasons.Succeeded, `Health check passed in ${formatDuration(tookMs)}`);
      } else {
        deleteCondition(view, ConditionTypes.Healthy);
      }

      const wasReady =
        getCondition(ks as never, ConditionTypes.Ready)?.status === 'True' &&
        ks.status?.lastAppliedRevision === revision;
      markReady(view, Reasons.ReconciliationSucceeded, `Applied revision: ${revision}`);
      view.status.lastAppliedRevision = revision;
      if (artifact.metadata?.['org.opencontainers.image.revision'])
        view.status.lastAppliedOriginRevision = artifact.metadata['org.opencontainers.image.revision'];
      view.status.history = recordHistory(view.status.history, {
        digest,
        status: Reasons.ReconciliationSucceeded,
        durationMs: Date.now() - started,
        now: new Date(),
        metadata: { revision },
      });
      this.finish(ks, view);
      await patchStatus(this.o.client, ks, view.status);
      this.sli.reconciled('Kustomization');
      this.sli.applied({
        kind: 'Kustomization',
        revision,
        previousRevision: ks.status?.lastAppliedRevision,
        artifactMetadata: artifact.metadata,
        createdAt: ks.metadata.creationTimestamp,
      });
      if (!wasReady || hasChanges(outcome.changeSet)) {
        await this.o.recorder.record(ks, {
          type: 'Normal',
          reason: Reasons.ReconciliationSucceeded,
          message: `Reconciliation finished in ${formatDuration(Date.now() - started)}, next run in ${formatDuration(intervalMs)}`,
          metadata: { revision, commit_status: 'update' },
        });
      }
      return { requeueAfterMs: withJitter(intervalMs) };
    } catch (err) {
      const failure =
        err instanceof StepFailure
          ? err
          : new StepFailure(Reasons.ReconciliationFailed, messageOf(err), { cause: err });
      return await this.fail(ks, view, failure, retryMs, digest, started);
    }
  }

  private clientFor(ks: Kustomization): KubeClient {
    const sa = ks.spec.serviceAccountName || this.o.defaultServiceAccount;
    return sa ? this.o.client.asServiceAccount(ks.metadata.namespace ?? '', sa) : this.o.client;
  }

  /** Writes an intermediate Reconciling status so watchers (and `flux get`) see the step. */
  private async progress(ks: Kustomization, view: View, message: string): Promise<void> {
    markReconciling(view, Reasons.Progressing, message);
    await patchStatus(this.o.client, ks, view.status);
  }

  private finish(ks: Kustomization, view: View): void {
    view.status.observedGeneration = ks.metadata.generation ?? 0;
    const requestedAt = ks.metadata.annotations?.[Annotations.reconcileRequestedAt];
    if (requestedAt) view.status.lastHandledReconcileAt = requestedAt;
  }

  private async reportChanges(
    ks: Kustomization,
    changeSet: Parameters<typeof formatChangeSet>[0],
    revision: string,
    drift: { subject: string; change: string; by: string }[],
  ): Promise<void> {
    if (!hasChanges(changeSet)) return;
    const lines = formatChangeSet(changeSet);
    const correctedDrift = drift.length > 0 && ks.status?.lastAppliedRevision === revision;
    if (correctedDrift) {
      this.o.driftWatcher?.detected.inc({ exported_namespace: ks.metadata.namespace ?? '', name: ks.metadata.name });
      this.o.driftWatcher?.corrected.inc(
        { exported_namespace: ks.metadata.namespace ?? '', name: ks.metadata.name },
        changeSet.entries.filter((e) => e.action === 'created' || e.action === 'configured').length,
      );
      const seen = drift.map((d) => `${d.subject} ${d.change} by '${d.by}'`).join('\n');
      await this.o.recorder.record(ks, {
        type: 'Normal',
        reason: 'DriftCorrected',
        message: `drift detected:\n${seen}\ncorrected:\n${lines}`,
        metadata: { revision },
      });
    }
    await this.o.recorder.record(ks, {
      type: 'Normal',
      reason: Reasons.ReconciliationSucceeded,
      message: lines,
      metadata: { revision },
    });
  }

  /**
   * Records a failure as Flux does: Ready=False with the step's reason; Reconciling stays (as
   * ProgressingWithRetry) and observedGeneration does not move unless the failure is terminal, so
   * kstatus reports the object as still in progress.
   */
  private async fail(
    ks: Kustomization,
    view: View,
    failure: StepFailure,
    retryMs: number,
    digest: string | undefined,
    started = Date.now(),
  ): Promise<Result> {
    if (failure.reason === Reasons.HealthCheckFailed)
      markFalse(view, ConditionTypes.Healthy, Reasons.HealthCheckFailed, failure.message);
    markFalse(view, ConditionTypes.Ready, failure.reason, failure.message);
    const reconciling = getCondition(view as never, ConditionTypes.Reconciling);
    if (failure.opts.stalled) {
      markTrue(view, ConditionTypes.Stalled, failure.reason, failure.message);
      deleteCondition(view, ConditionTypes.Reconciling);
      view.status.observedGeneration = ks.metadata.generation ?? 0;
    } else {
      deleteCondition(view, ConditionTypes.Stalled);
      if (reconciling) markTrue(view, ConditionTypes.Reconciling, Reasons.ProgressingWithRetry, reconciling.message);
    }
    if (digest) {
      view.status.history = recordHistory(view.status.history, {
        digest,
        status: failure.reason,
        durationMs: Date.now() - started,
        now: new Date(),
        metadata: { revision: view.status.lastAttemptedRevision ?? '' },
      });
    }
    const requestedAt = ks.metadata.annotations?.[Annotations.reconcileRequestedAt];
    if (requestedAt) view.status.lastHandledReconcileAt = requestedAt;
    await patchStatus(this.o.client, ks, view.status);
    // Waiting on a dependency is neither success nor failure (as the Flux Operator's stats).
    if (failure.reason !== Reasons.DependencyNotReady) this.sli.reconciled('Kustomization', failure.reason);
    const metadata: Record<string, string> = {};
    if (view.status.lastAttemptedRevision) metadata['revision'] = view.status.lastAttemptedRevision;
    const event = failure.opts.event ?? 'warning';
    if (event === 'warning')
      await this.o.recorder.record(ks, { type: 'Warning', reason: failure.reason, message: failure.message, metadata });
    if (event === 'info') {
      const retry = formatDuration(failure.opts.requeueAfterMs ?? retryMs);
      await this.o.recorder.record(ks, {
        type: 'Normal',
        reason: failure.reason,
        message: `Dependencies do not meet ready condition, retrying in ${retry}`,
        metadata,
      });
    }
    if (failure.opts.stalled) return {};
    return { requeueAfterMs: failure.opts.requeueAfterMs ?? retryMs };
  }
}

function newView(ks: Kustomization): View {
  return { metadata: ks.metadata, status: structuredClone(ks.status ?? {}) };
}
