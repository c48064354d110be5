// The reconcile skeleton every reconciler is built on: guard clauses, ordered steps, and one place that
// turns the outcome into conditions, observedGeneration, events, metrics and a single status patch.
import { performance } from 'node:perf_hooks';
import type { KubeClient } from '../../kube/client.ts';
import type { KubeObject } from '../../kube/types.ts';
import {
  deleteCondition,
  getCondition,
  markFalse,
  markReady,
  markReconciling,
  markTrue,
  setCondition,
  type Condition,
} from '../conditions.ts';
import type { RecordOptions } from '../events.ts';
import type { Logger } from '../logger.ts';
import { ensureFinalizer } from '../patch.ts';
import { ReleasedError, requestKey, type Reconciler, type Request, type Result } from '../result.ts';
import type { ReconcileFailure } from './failure.ts';
import { patchStatusDiff } from './status-patch.ts';
import { runSteps, type Step } from './steps.ts';

/** The status every reconciled kind has (kstatus conventions). */
export interface ObjectStatus {
  observedGeneration?: number;
  conditions?: Condition[];
}

/** An object with a status the skeleton manages. */
export type ReconciledObject<S extends ObjectStatus> = KubeObject & { status?: S };

/** Where events go (the runtime's EventRecorder). */
export interface EventSink {
  record(obj: KubeObject, e: RecordOptions): Promise<void>;
}

/** Where reconcile outcomes are counted (the SLI metrics): success without a reason, failure with its reason. */
export interface OutcomeSink {
  reconciled(kind: string, failureReason?: string): void;
}

/** What every step sees: the object as read, the status being built, and the reconcile's signal. */
export interface ReconcileContext<T extends ReconciledObject<S>, S extends ObjectStatus> {
  readonly req: Request;
  /** A private copy of the cached object. */
  readonly obj: T;
  /** The object's metadata (so the context itself can be handed to the condition helpers). */
  readonly metadata: T['metadata'];
  /** The status as desired; starts as a copy of the status as read. */
  readonly status: S;
  /** Aborts on shutdown, or when `cancel(key)` is called for this object. */
  readonly signal: AbortSignal;
  /** Milliseconds since the reconcile started. */
  elapsedMs(): number;
  /**
   * Marks Reconciling=True (and Ready=Unknown unless it is False) and writes it now, so watchers see the step under
   * way; with `write: false` only marks it (the status written at the end carries it, as after a written one).
   */
  progress(reason: string, message: string, opts?: { write?: boolean }): Promise<void>;
  /** Records an event on the object now. */
  event(e: RecordOptions): Promise<void>;
}

/** How a successful reconcile is summarised: Ready=True with this reason and message. */
export interface ReadySummary {
  reason: string;
  message: string;
  /** When to come back (the object's interval); absent: wait for an event. */
  requeueAfterMs?: number;
  /** Events recorded after the status is written. */
  events?: RecordOptions[];
}

/** What a reconciler defines; the skeleton does the rest. */
export interface ReconcilerDefinition<
  T extends ReconciledObject<S>,
  S extends ObjectStatus,
  C extends ReconcileContext<T, S>,
> {
  /** The kind, for logs and metrics (e.g. `Kustomization`). */
  kind: string;
  client: KubeClient;
  recorder: EventSink;
  logger: Logger;
  outcomes?: OutcomeSink;
  /** Reads the object from the cache. */
  read(req: Request): T | undefined;
  /** Guard: the object is gone (clean up what it left outside the cluster). */
  onMissing?(req: Request): Promise<void>;
  /** Added before any step runs; `finalize` must remove it. */
  finalizer?: string;
  /** Guard: the object is being deleted. */
  finalize?(obj: T, signal: AbortSignal): Promise<Result>;
  /** Guard: nothing to do now (suspended, paused); the status is not touched. */
  skip?(obj: T): boolean | Promise<boolean>;
  /** Adds the reconciler's own state to the base context. */
  context(base: ReconcileContext<T, S>): C;
  /** The ordered steps. A step returning `{ done }` finishes early with that result (and no status write). */
  steps: readonly Step<C, Result>[];
  /** Summarises success once every step ran. */
  ready(ctx: C): ReadySummary;
  /** Reason for errors that carry none. */
  fallbackReason: string;
  /**
   * When to retry a failure that is neither stalled nor has its own `requeueAfterMs`: a delay, or
   * `backoff` for the work queue's per-key exponential backoff (source-controller's behaviour).
   */
  retryAfterMs(ctx: C, failure: ReconcileFailure): number | 'backoff';
  /**
   * On a retryable failure, Reconciling=True becomes ProgressingWithRetry: always (default), or only
   * when a step had already marked the object Reconciling (kustomize-controller's behaviour).
   */
  markRetrying?: 'always' | 'whenReconciling';
  /** The Flux bookkeeping every outcome ends with (e.g. `lastHandledReconcileAt`). */
  finishStatus?(ctx: C): void;
  /** Adds to the status after a failure (e.g. a history entry). */
  onFailure?(ctx: C, failure: ReconcileFailure): void;
  /** Metadata of the failure event (e.g. the revision). */
  eventMetadata?(ctx: C): Record<string, string>;
  /** A newer request cancelled this reconcile (not shutdown): record what must be recorded. */
  onCanceled?(ctx: C): Promise<void>;
  /** Called after the status is written on success (metrics that need the outcome). */
  afterSuccess?(ctx: C): void;
  /** Frees what the steps held (temporary directories), whatever the outcome. */
  release?(ctx: C): Promise<void>;
}

/** Retrying could not fix it: the work queue forgets the key; a change to the object brings it back. */
const NO_RETRY: Result = {};

/** Whether a reconcile was stopped because its object left the cache (deleted, or now another shard's). */
const isReleased = (signal: AbortSignal): boolean => signal.aborted && signal.reason instanceof ReleasedError;

/**
 * Runs a reconcile from a {@link ReconcilerDefinition}: guard clauses (missing → `onMissing`, deleting →
 * `finalize`, finalizer added, `skip`), then the steps, then one summary. Success: Ready=True, Reconciling and
 * Stalled removed, observedGeneration moved. Failure: Ready=False with the failure's reason; stalled sets
 * Stalled=True and moves observedGeneration (no retry); otherwise Reconciling=True (ProgressingWithRetry) and
 * a retry after the failure's or the reconciler's delay. Either way one status patch (only what changed,
 * removed fields deleted, nothing when equal), one event, one metric. A reconcile aborted by shutdown writes
 * nothing; one cancelled by `cancel(key)` calls `onCanceled`. One whose object left the cache (`released(key)`:
 * deleted, or relabelled to another shard) stops at its next request and writes nothing more, no status and no
 * event: the object's new owner reconciles it from the status as it is (finalizer and inventory untouched).
 */
export class StepReconciler<
  T extends ReconciledObject<S>,
  S extends ObjectStatus,
  C extends ReconcileContext<T, S>,
> implements Reconciler {
  private readonly d: ReconcilerDefinition<T, S, C>;
  private readonly inflight = new Map<string, AbortController>();

  constructor(definition: ReconcilerDefinition<T, S, C>) {
    this.d = definition;
  }

  /** Aborts the reconcile running for `key` (e.g. a newer spec arrived during a health wait). */
  cancel(key: string, reason = 'a new reconcile request arrived'): void {
    this.inflight.get(key)?.abort(new Error(reason));
  }

  /** The object left this process's cache: the reconcile running for it stops and writes nothing more. */
  released(key: string): void {
    this.inflight
      .get(key)
      ?.abort(new ReleasedError(`${key} left this process's cache (deleted, or handed over to another shard)`));
  }

  async reconcile(req: Request, signal: AbortSignal = new AbortController().signal): Promise<Result> {
    const d = this.d;
    const cached = d.read(req);
    if (!cached) {
      await d.onMissing?.(req);
      return NO_RETRY;
    }
    const obj = structuredClone(cached);
    if (obj.metadata.deletionTimestamp) return d.finalize ? await d.finalize(obj, signal) : NO_RETRY;
    if (d.finalizer) await ensureFinalizer(d.client, obj, d.finalizer);
    if (await d.skip?.(obj)) return NO_RETRY;

    const key = requestKey(req);
    const own = new AbortController();
    this.inflight.get(key)?.abort(new Error('superseded'));
    this.inflight.set(key, own);
    try {
      return await this.run(req, obj, AbortSignal.any([signal, own.signal]), signal);
    } finally {
      if (this.inflight.get(key) === own) this.inflight.delete(key);
    }
  }

  private async run(req: Request, obj: T, signal: AbortSignal, shutdown: AbortSignal): Promise<Result> {
    const d = this.d;
    const started = performance.now();
    // `written` is the status as the server has it: the diff base of every patch.
    let written: unknown = structuredClone(obj.status ?? {});
    const status = structuredClone(obj.status ?? {}) as S;
    const write = async (): Promise<void> => {
      // Handed over (or gone): the new owner writes the status from now on.
      if (isReleased(signal)) throw signal.reason;
      const result = await patchStatusDiff(d.client, obj, written, status);
      written = structuredClone(status);
      if (result?.metadata.resourceVersion) obj.metadata.resourceVersion = result.metadata.resourceVersion;
    };
    const base: ReconcileContext<T, S> = {
      req,
      obj,
      metadata: obj.metadata,
      status,
      signal,
      elapsedMs: () => performance.now() - started,
      progress: async (reason, message, opts) => {
        markReconciling(base, reason, message);
        if (opts?.write ?? true) await write();
      },
      event: (e) => (isReleased(signal) ? Promise.reject(signal.reason as Error) : d.recorder.record(obj, e)),
    };
    const ctx = d.context(base);
    try {
      return await this.runAndSummarize(ctx, write, signal, shutdown);
    } finally {
      await d.release?.(ctx);
    }
  }

  private async runAndSummarize(
    ctx: C,
    write: () => Promise<void>,
    signal: AbortSignal,
    shutdown: AbortSignal,
  ): Promise<Result> {
    const d = this.d;
    const { obj, req, status } = ctx;
    const outcome = await runSteps(d.steps, ctx, { signal, fallbackReason: d.fallbackReason });
    if (d.logger.isLevelEnabled('debug'))
      d.logger.debug({ kind: d.kind, key: requestKey(req), stepMs: Object.fromEntries(outcome.stepMs) }, 'steps run');
    if (isReleased(signal)) {
      d.logger.info(
        { kind: d.kind, key: requestKey(req), step: outcome.ok ? outcome.lastStep : outcome.step },
        'reconcile stopped: the object left this process (deleted, or handed over to another shard); nothing written',
      );
      return NO_RETRY;
    }

    if (outcome.ok) {
      if (outcome.done) return outcome.done;
      const summary = d.ready(ctx);
      markReady(ctx, summary.reason, summary.message);
      status.observedGeneration = obj.metadata.generation ?? 0;
      d.finishStatus?.(ctx);
      await write();
      d.outcomes?.reconciled(d.kind);
      d.afterSuccess?.(ctx);
      for (const e of summary.events ?? []) if (!isReleased(signal)) await d.recorder.record(obj, e);
      return summary.requeueAfterMs === undefined ? NO_RETRY : { requeueAfterMs: summary.requeueAfterMs };
    }

    const failure = outcome.failure;
    if (signal.aborted) {
      // Cancelled by a newer request: keep what the steps recorded (a partial inventory); the queued
      // reconcile carries on. On shutdown nothing is written: the next leader recomputes everything.
      if (!shutdown.aborted) {
        await write();
        await d.onCanceled?.(ctx);
      }
      d.logger.info({ kind: d.kind, key: requestKey(req), step: outcome.step }, 'reconcile aborted');
      return NO_RETRY;
    }
    this.summarizeFailure(ctx, failure);
    await write();
    if (!failure.opts.waiting) d.outcomes?.reconciled(d.kind, failure.reason);
    const event = failure.opts.event ?? 'warning';
    if (event !== 'none') {
      await d.recorder.record(obj, {
        type: event === 'warning' ? 'Warning' : 'Normal',
        reason: failure.reason,
        message: failure.opts.eventMessage ?? failure.message,
        metadata: d.eventMetadata?.(ctx) ?? {},
      });
    }
    if (failure.stalled) {
      d.logger.info(
        { kind: d.kind, key: requestKey(req), step: outcome.step, reason: failure.reason },
        'reconcile stalled; waiting for a spec change',
      );
      return NO_RETRY;
    }
    const retry = failure.opts.requeueAfterMs ?? d.retryAfterMs(ctx, failure);
    if (retry === 'backoff') throw failure;
    return { requeueAfterMs: retry };
  }

  private summarizeFailure(ctx: C, failure: ReconcileFailure): void {
    const d = this.d;
    if (failure.opts.record) Object.assign(ctx.status, failure.opts.record);
    for (const c of failure.opts.conditions ?? [])
      setCondition(ctx, {
        type: c.type,
        status: c.status ?? 'False',
        reason: failure.reason,
        message: failure.message,
      });
    markFalse(ctx, 'Ready', failure.reason, failure.message);
    if (failure.stalled) {
      markTrue(ctx, 'Stalled', failure.reason, failure.message);
      deleteCondition(ctx, 'Reconciling');
      ctx.status.observedGeneration = ctx.obj.metadata.generation ?? 0;
    } else {
      deleteCondition(ctx, 'Stalled');
      const reconciling = getCondition(ctx, 'Reconciling');
      if ((d.markRetrying ?? 'always') === 'always')
        markTrue(ctx, 'Reconciling', 'ProgressingWithRetry', failure.message);
      else if (reconciling) markTrue(ctx, 'Reconciling', 'ProgressingWithRetry', reconciling.message);
    }
    d.onFailure?.(ctx, failure);
    d.finishStatus?.(ctx);
  }
}
