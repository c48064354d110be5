// The one failure type every reconcile step throws: the Ready reason, a readable message, and how to go on.

/** How a failure is announced: a Warning event (default), a Normal event, or none. */
export type FailureEvent = 'warning' | 'info' | 'none';

export interface ReconcileFailureOptions<S = Record<string, unknown>> {
  /** Terminal: only a spec change can fix it. Sets Stalled=True, moves observedGeneration, no retry. */
  stalled?: boolean;
  /** Retry after this delay instead of the reconciler's default. */
  requeueAfterMs?: number;
  /** Waiting on something else (a dependency, a source): not counted as a failure in the SLI metrics. */
  waiting?: boolean;
  /** How the failure is announced (default `warning`). */
  event?: FailureEvent;
  /** The event's message when it should differ from the condition's (default: the failure's message). */
  eventMessage?: string;
  /** Status fields to record despite the failure, e.g. the inventory of a partial apply. */
  record?: Partial<S>;
  /** Extra False conditions to set beside Ready (e.g. `Healthy`, `FetchFailed`-style negative ones are set by steps). */
  conditions?: { type: string; status?: 'True' | 'False' }[];
  cause?: unknown;
}

/**
 * A reconcile step that failed. `reason` becomes the Ready condition's reason; the skeleton turns it
 * into conditions, `observedGeneration`, an event, metrics and one status patch.
 */
export class ReconcileFailure<S = Record<string, unknown>> extends Error {
  override readonly name = 'ReconcileFailure';
  readonly reason: string;
  readonly opts: ReconcileFailureOptions<S>;

  constructor(reason: string, message: string, opts: ReconcileFailureOptions<S> = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.reason = reason;
    this.opts = opts;
  }

  get stalled(): boolean {
    return this.opts.stalled ?? false;
  }
}

/** Turns anything thrown into a ReconcileFailure; a typed error's own `reason` wins over the fallback. */
export function asFailure(err: unknown, fallbackReason: string): ReconcileFailure {
  if (err instanceof ReconcileFailure) return err as ReconcileFailure;
  const message = err instanceof Error ? err.message : String(err);
  const own =
    err && typeof err === 'object' && 'reason' in err && typeof (err as { reason: unknown }).reason === 'string'
      ? (err as { reason: string }).reason
      : '';
  return new ReconcileFailure(own || fallbackReason, message, { cause: err });
}
