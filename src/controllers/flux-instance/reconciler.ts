import { Reasons } from '../../api/constants.ts';
import { formatDuration, parseDuration } from '../../api/duration.ts';
import {
  FluxInstanceAnnotations,
  FluxInstanceFinalizer,
  FluxInstanceReasons,
  type FluxInstance,
  type FluxInstanceStatus,
} from '../../api/flux-instance.ts';
import { recordHistory } from '../../api/history.ts';
import { applyAndPrune, ApplyAndPruneError } from '../../apply/apply-and-prune.ts';
import { formatChangeSet, hasChanges } from '../../apply/changeset.ts';
import { HealthCheckError, waitForHealth } from '../../apply/health.ts';
import { refOf, type KubeObject } from '../../kube/types.ts';
import type { Informer } from '../../runtime/informer.ts';
import { ReconcileFailure } from '../../runtime/reconcile/failure.ts';
import { StepReconciler, type ReconcileContext } from '../../runtime/reconcile/skeleton.ts';
import type { Step } from '../../runtime/reconcile/steps.ts';
import type { RunningProcess } from '../../api/flux-instance-processes.ts';
import { requestKey, type Reconciler, type Request, type Result } from '../../runtime/result.ts';
import { handledRequest, messageOf, refuseUnsupportedFields, withJitter, type ControllerDeps } from '../shared.ts';
import { instanceResourceManager } from './apply-step.ts';
import { buildInstance } from './build.ts';
import { finalizeInstance } from './finalize.ts';
import type { InstanceInfoMetric } from './instance-info-metric.ts';
import { specProblems, unlistedComponentMessage, unlistedComponents, type ManagerFacts } from './spec-checks.ts';

export interface FluxInstanceReconcilerOptions extends ControllerDeps {
  informer: Informer;
  /** The manager's runtime namespace: the only one where a FluxInstance is reconciled. */
  namespace: string;
  facts: ManagerFacts;
  /** The other running managers (from their Leases); unset when this one runs without leader election. */
  peers?: () => Promise<RunningProcess[]>;
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

interface InstanceContext extends ReconcileContext<FluxInstance, FluxInstanceStatus> {
  revision?: string;
  digest?: string;
  objects?: KubeObject[];
}

/** `fluxcd.controlplane.io/reconcile: disabled` (any case) pauses the instance. */
export const isPaused = (instance: FluxInstance): boolean =>
  instance.metadata.annotations?.[FluxInstanceAnnotations.reconcile]?.toLowerCase() === 'disabled';

/**
 * Reconciles the FluxInstance on the shared skeleton: checks the spec against this manager (Stalled when it
 * asks for what Driftless cannot run), builds the sync objects, applies them server-side and prunes what
 * left, waits for them when `spec.wait` (default true), then records status, history, events and
 * `flux_instance_info`, and asks the FluxReport to refresh. A transient failure is retried after
 * `retryIntervalMs`; success comes back after the interval. `cancel(key)` aborts a running wait when a
 * newer spec or request arrives.
 */
export class FluxInstanceReconciler implements Reconciler {
  private readonly o: FluxInstanceReconcilerOptions;
  private readonly skeleton: StepReconciler<FluxInstance, FluxInstanceStatus, InstanceContext>;
  /** The status each key's last reconcile ended with, for `flux_instance_info`. */
  private readonly lastStatus = new Map<string, FluxInstanceStatus>();

  constructor(opts: FluxInstanceReconcilerOptions) {
    this.o = opts;
    this.skeleton = this.define();
  }

  /** Aborts the build, apply or wait of the reconcile running for `key`, if any. */
  cancel(key: string): void {
    this.skeleton.cancel(key);
  }

  /** The FluxInstance left this process's cache: its running reconcile stops and writes nothing more. */
  released(key: string): void {
    this.skeleton.released(key);
  }

  async reconcile(req: Request, signal: AbortSignal): Promise<Result> {
    const key = requestKey(req);
    try {
      return await this.skeleton.reconcile(req, signal);
    } finally {
      const current = this.o.informer.get(key) as FluxInstance | undefined;
      const status = this.lastStatus.get(key) ?? current?.status;
      this.lastStatus.delete(key);
      if (!current || current.metadata.deletionTimestamp) this.o.metric.remove(key);
      else this.o.metric.set(key, { ...current, status: status ?? {} });
      if (current)
        await this.o.requestReportUpdate(current.metadata.namespace ?? '').catch((err: unknown) => {
          this.o.logger.warn({ err: messageOf(err) }, 'FluxInstance: could not request a FluxReport refresh');
        });
    }
  }

  private define(): StepReconciler<FluxInstance, FluxInstanceStatus, InstanceContext> {
    const o = this.o;
    const steps: Step<InstanceContext, Result>[] = [
      refuseUnsupportedFields<InstanceContext>('FluxInstance'),
      {
        name: 'spec',
        run: async (ctx) => {
          const instance = ctx.obj;
          if (instance.metadata.namespace !== o.namespace) {
            const message = `a FluxInstance is only reconciled in this manager's namespace ${o.namespace}: move it there`;
            throw new ReconcileFailure(FluxInstanceReasons.NotSupported, message, { stalled: true });
          }
          const peers = o.peers ? await o.peers() : undefined;
          const problems = specProblems(instance.spec, { ...o.facts, peers });
          const first = problems[0];
          // A process starting elsewhere can fix a mismatch of components or shards: those are retried.
          if (first)
            throw new ReconcileFailure(first.reason, problems.map((p) => p.message).join('; '), {
              stalled: problems.some((p) => !p.retry),
            });
          for (const name of unlistedComponents(instance.spec, o.facts)) {
            await ctx.event({
              type: 'Warning',
              reason: FluxInstanceReasons.ComponentCannotBeDisabled,
              message: unlistedComponentMessage(name),
            });
          }
        },
      },
      {
        name: 'build',
        run: async (ctx) => {
          const built = await buildInstance({ instance: ctx.obj, kustomizeBin: o.kustomizeBin, signal: ctx.signal });
          ctx.digest = built.digest;
          ctx.revision = built.revision;
          ctx.objects = built.objects;
          const previous = ctx.obj.status?.lastAttemptedRevision;
          ctx.status.lastAttemptedRevision = built.revision;
          await ctx.progress(Reasons.Progressing, 'Reconciliation in progress');
          if (previous !== built.revision) {
            await ctx.event({
              type: 'Normal',
              reason: Reasons.Progressing,
              message: previous ? `Upgrading to revision ${built.revision}` : `Installing revision ${built.revision}`,
              metadata: { revision: built.revision },
            });
          }
        },
      },
      {
        name: 'apply',
        run: async (ctx) => {
          const result = await applyAndPrune({
            manager: instanceResourceManager(o.client, ctx.obj),
            objects: ctx.objects ?? [],
            previous: ctx.obj.status?.inventory?.entries ?? [],
            prune: true,
            signal: ctx.signal,
          }).catch((err: unknown) => {
            if (!(err instanceof ApplyAndPruneError)) throw err;
            throw new ReconcileFailure<FluxInstanceStatus>(
              Reasons.ReconciliationFailed,
              `reconciliation failed: ${err.message}`,
              { cause: err, record: { inventory: err.inventory } },
            );
          });
          ctx.status.inventory = result.inventory;
          if (hasChanges(result.changeSet)) {
            await ctx.event({
              type: 'Normal',
              reason: Reasons.Progressing,
              message: formatChangeSet(result.changeSet),
              metadata: { revision: ctx.revision ?? '' },
            });
          }
          if (result.pruneFailures.length) {
            throw new ReconcileFailure(
              Reasons.ReconciliationFailed,
              `garbage collection failed for ${result.pruneFailures.map((f) => f.subject).join(', ')} (kept in the inventory, will retry): ${result.pruneFailures.map((f) => f.message).join('; ')}`,
            );
          }
        },
      },
      {
        name: 'wait',
        run: async (ctx) => {
          const objects = ctx.objects ?? [];
          if (ctx.obj.spec.wait === false || objects.length === 0) return;
          const timeoutMs = this.durationAnnotation(ctx.obj, FluxInstanceAnnotations.reconcileTimeout, o.timeoutMs);
          try {
            await waitForHealth(o.client, objects.map(refOf), {
              timeoutMs,
              intervalMs: o.pollIntervalMs,
              signal: ctx.signal,
            });
          } catch (err) {
            if (!(err instanceof HealthCheckError)) throw err;
            throw new ReconcileFailure(Reasons.HealthCheckFailed, err.message, { cause: err });
          }
        },
      },
    ];

    const history = (ctx: InstanceContext, status: string): void => {
      if (!ctx.digest) return;
      ctx.status.history = recordHistory(ctx.status.history, {
        digest: ctx.digest,
        status,
        durationMs: ctx.elapsedMs(),
        now: new Date(),
        metadata: { flux: ctx.obj.spec.distribution.version },
      });
    };

    return new StepReconciler<FluxInstance, FluxInstanceStatus, InstanceContext>({
      kind: 'FluxInstance',
      client: o.client,
      recorder: o.recorder,
      logger: o.logger,
      read: (req) => o.informer.get(requestKey(req)) as FluxInstance | undefined,
      finalizer: FluxInstanceFinalizer,
      finalize: async (instance) => {
        await finalizeInstance({ instance, client: o.client, recorder: o.recorder, paused: isPaused(instance) });
        return {};
      },
      skip: async (instance) => {
        if (!isPaused(instance)) return false;
        await o.recorder.record(instance, {
          type: 'Warning',
          reason: FluxInstanceReasons.ReconciliationDisabled,
          message: 'Reconciliation is disabled',
        });
        return true;
      },
      context: (base): InstanceContext => base,
      steps,
      fallbackReason: Reasons.ReconciliationFailed,
      retryAfterMs: () => o.retryIntervalMs,
      ready: (ctx) => {
        const message = `Reconciliation finished in ${formatDuration(ctx.elapsedMs())}`;
        ctx.status.lastAppliedRevision = ctx.revision ?? '';
        history(ctx, Reasons.ReconciliationSucceeded);
        return {
          reason: Reasons.ReconciliationSucceeded,
          message,
          requeueAfterMs: withJitter(
            this.durationAnnotation(ctx.obj, FluxInstanceAnnotations.reconcileEvery, o.intervalMs),
          ),
          events: [
            {
              type: 'Normal',
              reason: Reasons.ReconciliationSucceeded,
              message,
              metadata: { revision: ctx.revision ?? '' },
            },
          ],
        };
      },
      onFailure: (ctx, failure) => history(ctx, failure.reason),
      onCanceled: (ctx) =>
        ctx.event({
          type: 'Normal',
          reason: Reasons.HealthCheckCanceled,
          message: 'Health checks canceled: a new reconcile request arrived',
        }),
      finishStatus: (ctx) => {
        handledRequest(ctx.obj, ctx.status);
        this.lastStatus.set(requestKey(ctx.req), ctx.status);
      },
      eventMetadata: (ctx): Record<string, string> =>
        ctx.status.lastAttemptedRevision ? { revision: ctx.status.lastAttemptedRevision } : {},
    });
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
