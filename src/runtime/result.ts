/** What a reconcile asks for next. `requeueAfterMs` schedules the next run; absent means "wait for an event". */
export interface Result {
  requeueAfterMs?: number;
}

/**
 * An error that retrying cannot fix (an invalid spec, say). The controller records it and does not
 * requeue; a change to the object brings it back.
 */
export class TerminalError extends Error {
  override readonly name = 'TerminalError';
  readonly reason: string;

  constructor(reason: string, message: string, opts?: { cause?: unknown }) {
    super(message, opts);
    this.reason = reason;
  }
}

/** Identifies the object a reconcile is about. */
export interface Request {
  namespace?: string;
  name: string;
}

export const requestKey = (r: Request): string => (r.namespace ? `${r.namespace}/${r.name}` : r.name);

export function parseKey(key: string): Request {
  const slash = key.indexOf('/');
  return slash < 0 ? { name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/**
 * The one method a reconciler implements. Errors are retried with backoff unless terminal. `signal`
 * aborts on shutdown: every wait inside the reconcile must stop when it fires.
 */
export interface Reconciler {
  reconcile(req: Request, signal: AbortSignal): Promise<Result>;
  /**
   * The object left this process's cache: deleted, or its labels no longer match the watch scope (another shard
   * owns it now). A reconcile still running for `key` must stop and write nothing more: the new owner carries on.
   */
  released?(key: string): void;
}

/** The abort reason of a reconcile whose object left this process's cache ({@link Reconciler.released}). */
export class ReleasedError extends Error {
  override readonly name = 'ReleasedError';
}
