/** An error answer from the API server, classified by HTTP status and the Status `reason`. */
export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
  readonly status: number;
  readonly reason: string;
  readonly details: unknown;
  /** How long the server asked the client to wait (`Retry-After`), when it did. */
  readonly retryAfterMs: number | undefined;

  constructor(opts: {
    status: number;
    reason?: string;
    message: string;
    details?: unknown;
    cause?: unknown;
    retryAfterMs?: number;
  }) {
    super(opts.message, { cause: opts.cause });
    this.status = opts.status;
    this.reason = opts.reason ?? '';
    this.details = opts.details;
    this.retryAfterMs = opts.retryAfterMs;
  }
}

/** True when the kind is not served (404 of its group-version, or absent from its list): the CRD is missing. */
export const isNoKindMatch = (err: unknown): boolean => err instanceof KubeApiError && err.reason === 'NoKindMatch';

const statusOf = (err: unknown): number => (err instanceof KubeApiError ? err.status : 0);

export const isNotFound = (err: unknown): boolean => statusOf(err) === 404;
export const isConflict = (err: unknown): boolean => statusOf(err) === 409;
export const isForbidden = (err: unknown): boolean => statusOf(err) === 403;
export const isUnauthorized = (err: unknown): boolean => statusOf(err) === 401;
export const isGone = (err: unknown): boolean => statusOf(err) === 410;
export const isInvalid = (err: unknown): boolean => statusOf(err) === 422;
export const isThrottled = (err: unknown): boolean => statusOf(err) === 429;
/** True for 5xx answers and network failures: worth a retry. */
export const isTransient = (err: unknown): boolean => {
  const s = statusOf(err);
  return s === 0 || s >= 500 || s === 429;
};
