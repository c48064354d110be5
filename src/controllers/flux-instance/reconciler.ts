import { performance } from 'node:perf_hooks';
import { Annotations, ConditionTypes, Reasons } from '../../api/constants.ts';
import { formatDuration, parseDuration } from '../../api/duration.ts';
import {
  FluxInstanceAnnotations,
  FluxInstanceFinalizer,
  FluxInstanceReasons,
  type FluxInstance,
  type FluxInstanceStatus,
} from '../../api/flux-instance.ts';
import { formatChangeSet, hasChanges } from '../../apply/changeset.ts';
import { HealthCheckError, waitForHealth } from '../../apply/health.ts';
import { refOf } from '../../kube/types.ts';
import { deleteCondition, markFalse, markReady, markReconciling, markTrue } from '../../runtime/conditions.ts';
import type { Informer } from '../../runtime/informer.ts';
import { ensureFinalizer, patchStatus } from '../../runtime/patch.ts';
import type { Reconciler, Request, Result } from '../../runtime/result.ts';
import { messageOf, withJitter, type ControllerDeps } from '../shared.ts';
import { applyAndPrune, ApplyStepFailure } from './apply-step.ts';
import { buildInstance } from './build.ts';
import { InstanceFailure } from './errors.ts';
import { finalizeInstance } from './finalize.ts';
import { recordHistory } from '../../api/history.ts';
import type { InstanceInfoMetric } from './instance-info-metric.ts';
import { specProblems, unlistedComponentMessage, unlistedComponents, type ManagerFacts } from './spec-checks.ts';

export interface FluxInstanceReconcilerOptions extends ControllerDeps {
  informer: Informer;
  /** The manager's runtime namespace: the only one where a FluxInstance is reconciled. */
  namespace: string;
  facts: ManagerFacts;
  kustomizeBin: string;
  metric: InstanceInfoMetric;
  /** Asks the FluxReport to refresh; called after every reconcile (errors are logged). */
  requestReportUpdate: (namespace: string) => Promise<unknown>;
  /** Periodic reconcile; the `reconcileEvery` annotation overrides it. */
  intervalMs: number;
  /** How long `spec.wait` waits; the `reconcileTimeout` annotation overrides it. */
  timeoutMs: number;
  /** Delay before retrying a failure that is not Stalled. */
  retryIntervalMs: number;
  /** Health poll period while waiting. */
  pollIntervalMs: number;
}

type View = { metadata: FluxInstance['metadata']; status: FluxInstanceStatus };

/** `fluxcd.controlplane.io/reconcile: disabled` (any case) pauses the instance. */
export const isPaused = (instance: FluxInstance): boolean =>
  instance.metadata.annotations?.[FluxInstanceAnnotations.reconcile]?.toLowerCase() === 'disabled';

/**
 * Reconciles the FluxInstance: checks the spec against this manager (Stalled when it asks for what Driftless
 * cannot run), builds the sync objects, applies them server-side and prunes what left, waits for them when
 * `spec.wait` (default true), then records status, history, events and `flux_instance_info`, and asks the
 * FluxReport to refresh. A transient failure is retried after `retryIntervalMs`; success comes back after the
 * interval. `cancel(key)` aborts a running wait when a newer spec or request arrives.
 */
export class FluxInstanceReconciler implements Reconciler {
  private readonly o: FluxInstanceReconcilerOptions;
  private readonly inflight = new Map<string, AbortController>();

  constructor(opts: FluxInstanceReconcilerOptions) {
    this.o = opts;
  }

  /** Aborts the build, apply or wait of the reconcile running for `key`, if any. */
  cancel(key: string): void {
    this.inflight.get(key)?.abort(new Error('a new reconcile request arrived'));
  }

  async reconcile(req: Request): Promise<Result> {
    const key = `${req.namespace ?? ''}/${req.name}`;
    const cached = this.o.informer.get(key) as FluxInstance | undefined;
    if (!cached) {
      this.o.metric.remove(key);
      return {};
    }
    const instance = structuredClone(cached);
    const view: View = { metadata: instance.metadata, status: structuredClone(instance.status ?? {}) };
    try {
      return await this.reconcileInstance(key, instance, view);
    } finally {
      if (instance.metadata.deletionTimestamp) this.o.metric.remove(key);
      else this.o.metric.set(key, { ...instance, status: view.status });
      await this.o.requestReportUpdate(instance.metadata.namespace ?? '').catch((err: unknown) => {
        this.o.logger.warn({ err: messageOf(err) }, 'FluxInstance: could not request a FluxReport refresh');
      });
    }
  }

  private async reconcileInstance(key: string, instance: FluxInstance, view: View): Promise<Result> {
    const paused = isPaused(instance);
    if (instance.metadata.deletionTimestamp) {
      await finalizeInstance({ instance, client: this.o.client, recorder: this.o.recorder, paused });
      return {};
    }
    if (instance.metadata.namespace !== this.o.namespace) {
      const message = `a FluxInstance is only reconciled in this manager's namespace ${this.o.namespace}: move it there`;
      return await this.fail(
        instance,
        view,
        new InstanceFailure(FluxInstanceReasons.NotSupported, message, { stalled: true }),
      );
    }
    await ensureFinalizer(this.o.client, instance, FluxInstanceFinalizer);
    if (paused) {
      await this.o.recorder.record(instance, {
        type: 'Warning',
        reason: FluxInstanceReasons.ReconciliationDisabled,
        message: 'Reconciliation is disabled',
      });
      return {};
    }

    const started = performance.now();
    const abort = new AbortController();
    this.inflight.set(key, abort);
    let digest: string | undefined;
    try {
      const problems = specProblems(instance.spec, this.o.facts);
      const first = problems[0];
      if (first) throw new InstanceFailure(first.reason, problems.map((p) => p.message).join('; '), { stalled: true });
      for (const name of unlistedComponents(instance.spec, this.o.facts)) {
        await this.o.recorder.record(instance, {
          type: 'Warning',
          reason: FluxInstanceReasons.ComponentCannotBeDisabled,
          message: unlistedComponentMessage(name),
        });
      }

      const built = await buildInstance({ instance, kustomizeBin: this.o.kustomizeBin, signal: abort.signal });
      digest = built.digest;
      const previous = instance.status?.lastAttemptedRevision;
      view.status.lastAttemptedRevision = built.revision;
      markReconciling(view, Reasons.Progressing, 'Reconciliation in progress');
      await patchStatus(this.o.client, instance, view.status);
      if (previous !== built.revision) {
        const message = previous ? `Upgrading to revision ${built.revision}` : `Installing revision ${built.revision}`;
        await this.o.recorder.record(instance, {
          type: 'Normal',
          reason: Reasons.Progressing,
          message,
          metadata: { revision: built.revision },
        });
      }

      const outcome = await applyAndPrune({
        instance,
        client: this.o.client,
        objects: built.objects,
        signal: abort.signal,
      }).catch((err: unknown) => {
        if (err instanceof ApplyStepFailure) view.status.inventory = err.inventory;
        throw err;
      });
      view.status.inventory = outcome.inventory;
      if (hasChanges(outcome.changeSet)) {
        await this.o.recorder.record(instance, {
          type: 'Normal',
          reason: Reasons.Progressing,
          message: formatChangeSet(outcome.changeSet),
          metadata: { revision: built.revision },
        });
      }
      if (instance.spec.wait !== false && built.objects.length > 0)
        await this.waitForObjects(instance, built.objects.map(refOf), abort.signal);

      const tookMs = performance.now() - started;
      const message = `Reconciliation finished in ${formatDuration(tookMs)}`;
      markReady(view, Reasons.ReconciliationSucceeded, message);
      view.status.lastAppliedRevision = built.revision;
      view.status.history = recordHistory(view.status.history, {
        digest,
        status: Reasons.ReconciliationSucceeded,
        durationMs: tookMs,
        now: new Date(),
        metadata: { flux: instance.spec.distribution.version },
      });
      view.status.observedGeneration = instance.metadata.generation ?? 0;
      this.handled(instance, view);
      await patchStatus(this.o.client, instance, view.status);
      await this.o.recorder.record(instance, {
        type: 'Normal',
        reason: Reasons.ReconciliationSucceeded,
        message,
        metadata: { revision: built.revision },
      });
      return {
        requeueAfterMs: withJitter(
          this.durationAnnotation(instance, FluxInstanceAnnotations.reconcileEvery, this.o.intervalMs),
        ),
      };
    } catch (err) {
      if (abort.signal.aborted) return await this.canceled(instance, view);
      const failure =
        err instanceof InstanceFailure
          ? err
          : new InstanceFailure(Reasons.ReconciliationFailed, `reconciliation failed: ${messageOf(err)}`, {
              cause: err,
            });
      return await this.fail(instance, view, failure, digest, performance.now() - started);
    } finally {
      this.inflight.delete(key);
    }
  }

  private async waitForObjects(
    instance: FluxInstance,
    refs: ReturnType<typeof refOf>[],
    signal: AbortSignal,
  ): Promise<void> {
    const timeoutMs = this.durationAnnotation(instance, FluxInstanceAnnotations.reconcileTimeout, this.o.timeoutMs);
    try {
      await waitForHealth(this.o.client, refs, { timeoutMs, intervalMs: this.o.pollIntervalMs, signal });
    } catch (err) {
      if (!(err instanceof HealthCheckError)) throw err;
      throw new InstanceFailure(Reasons.HealthCheckFailed, err.message, { cause: err });
    }
  }

  /** A newer spec or request aborted this run: record what was applied; the queued reconcile carries on. */
  private async canceled(instance: FluxInstance, view: View): Promise<Result> {
    await patchStatus(this.o.client, instance, view.status);
    await this.o.recorder.record(instance, {
      type: 'Normal',
      reason: Reasons.HealthCheckCanceled,
      message: 'Health checks canceled: a new reconcile request arrived',
    });
    return {};
  }

  /**
   * Records a failure: Ready=False with the reason; a Stalled failure also sets Stalled=True and moves
   * observedGeneration (nothing to retry until the spec changes), any other keeps Reconciling=True
   * (ProgressingWithRetry) and is retried. A Warning event names the problem.
   */
  private async fail(
    instance: FluxInstance,
    view: View,
    failure: InstanceFailure,
    digest?: string,
    tookMs = 0,
  ): Promise<Result> {
    markFalse(view, ConditionTypes.Ready, failure.reason, failure.message);
    if (failure.stalled) {
      markTrue(view, ConditionTypes.Stalled, failure.reason, failure.message);
      deleteCondition(view, ConditionTypes.Reconciling);
      view.status.observedGeneration = instance.metadata.generation ?? 0;
    } else {
      deleteCondition(view, ConditionTypes.Stalled);
      markTrue(view, ConditionTypes.Reconciling, Reasons.ProgressingWithRetry, 'Reconciliation in progress');
    }
    if (digest) {
      view.status.history = recordHistory(view.status.history, {
        digest,
        status: failure.reason,
        durationMs: tookMs,
        now: new Date(),
        metadata: { flux: instance.spec.distribution.version },
      });
    }
    this.handled(instance, view);
    await patchStatus(this.o.client, instance, view.status);
    const metadata: Record<string, string> = view.status.lastAttemptedRevision
      ? { revision: view.status.lastAttemptedRevision }
      : {};
    await this.o.recorder.record(instance, {
      type: 'Warning',
      reason: failure.reason,
      message: failure.message,
      metadata,
    });
    return failure.stalled ? {} : { requeueAfterMs: this.o.retryIntervalMs };
  }

  private handled(instance: FluxInstance, view: View): void {
    const requestedAt = instance.metadata.annotations?.[Annotations.reconcileRequestedAt];
    if (requestedAt) view.status.lastHandledReconcileAt = requestedAt;
  }

  private durationAnnotation(instance: FluxInstance, annotation: string, fallback: number): number {
    const value = instance.metadata.annotations?.[annotation];
    if (!value) return fallback;
    try {
      const ms = parseDuration(value, `metadata.annotations["${annotation}"]`);
      return ms > 0 ? ms : fallback;
    } catch (err) {
      this.o.logger.warn({ err: messageOf(err) }, 'FluxInstance: ignoring an invalid duration annotation');
      return fallback;
    }
  }
}
