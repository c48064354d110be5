// The one error type of the FluxInstance reconciler: a Ready reason, and whether retrying can help.

/**
 * A failed FluxInstance step. `reason` becomes the Ready condition's reason; `stalled` marks a spec the
 * manager cannot honour until it changes (or the manager restarts with other flags), so it is not retried.
 */
export class InstanceFailure extends Error {
  override readonly name = 'InstanceFailure';
  readonly reason: string;
  readonly stalled: boolean;

  constructor(reason: string, message: string, opts: { stalled?: boolean; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.reason = reason;
    this.stalled = opts.stalled ?? false;
  }
}
