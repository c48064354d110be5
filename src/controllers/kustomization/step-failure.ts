import type { ResourceInventory } from '../../api/meta.ts';

export interface StepFailureOptions {
  /** Retry after this delay instead of `retryInterval`. */
  requeueAfterMs?: number;
  /** Terminal: needs a spec change (sets Stalled). */
  stalled?: boolean;
  /** How the failure is announced: a Warning event (default), an info event, or none (Flux is quiet while a source has no artifact). */
  event?: 'warning' | 'info' | 'none';
  /** The inventory to record despite the failure (a partial apply). */
  inventory?: ResourceInventory;
  cause?: unknown;
}

/** A reconcile step that failed: the Ready reason, a readable message, and when to try again. */
export class StepFailure extends Error {
  override readonly name = 'StepFailure';
  constructor(
    readonly reason: string,
    message: string,
    readonly opts: StepFailureOptions = {},
  ) {
    super(message, { cause: opts.cause });
  }
}
