// The one bounded retry loop: capped exponential backoff, optional jitter, a server's wait hint, and
// an AbortSignal that ends the wait at once. Callers keep their own error types and messages.
// In src/util so that every layer, the Kubernetes client included, can use it.
import { abortableSleep } from './sleep.ts';

/** How the delays grow: `baseDelayMs · 2^(n-1)` before retry n, capped, optionally jittered. */
export interface BackoffOptions {
  /** Delay before the first retry; doubled for each further one. */
  baseDelayMs: number;
  /** Cap on any one delay, server hints included. */
  maxDelayMs: number;
  /**
   * Fraction (0–1) of each computed delay that is randomised away, so that many clients that failed
   * together do not retry together: `delay · (1 − jitter · random())`. Default 0: exact delays.
   */
  jitter?: number;
  /** Source of randomness for the jitter; default `Math.random`, injectable for tests. */
  random?: () => number;
}

/** Options of {@link retry}. */
export interface RetryOptions extends BackoffOptions {
  /** Attempts in all, the first included; at least 1. */
  attempts: number;
  /** Stops the retries: no attempt starts and no wait continues once it fires (the loop rejects with its reason). */
  signal?: AbortSignal | undefined;
  /** Whether a failure is worth another attempt; default every failure. Others are rethrown at once. */
  retryable?: (err: unknown) => boolean;
  /** A wait the failure asks for (an HTTP `Retry-After`), used instead of the backoff step, still capped. */
  retryAfterMs?: (err: unknown) => number | undefined;
  /** Called before each wait with the attempt that failed (1-based) and the delay chosen. */
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
  /** The wait; default a timer that ends early when `signal` fires. Injectable so tests need not wait. */
  sleep?: (ms: number, signal: AbortSignal | undefined) => Promise<void>;
}

/**
 * The wait before retry `n` (1-based: after the n-th failed attempt): `baseDelayMs · 2^(n-1)`,
 * at most `maxDelayMs`, reduced by the jitter fraction when one is set. Pure.
 */
export function backoffDelay(n: number, opts: BackoffOptions): number {
  // The exponent stops at 40 (years, in ms) so a zero base never meets an infinite power (NaN).
  const exact = Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** Math.min(Math.max(0, n - 1), 40));
  const jitter = Math.min(1, Math.max(0, opts.jitter ?? 0));
  return jitter === 0 ? exact : exact * (1 - jitter * (opts.random ?? Math.random)());
}

/**
 * Runs `fn` (given the 1-based attempt number) until it resolves, a failure is not `retryable`, or
 * `attempts` have been made; then rejects with the last failure as `fn` threw it. Between attempts
 * it waits `retryAfterMs(err)` when that gives a value, else {@link backoffDelay}, capped at
 * `maxDelayMs`. When `signal` fires, it rejects with `signal.reason` instead of starting or
 * continuing a wait (a failure that is not retryable is still rethrown as it is).
 */
export async function retry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  const attempts = Math.max(1, Math.floor(opts.attempts));
  const sleep = opts.sleep ?? defaultSleep;
  for (let attempt = 1; ; attempt++) {
    opts.signal?.throwIfAborted();
    try {
      return await fn(attempt);
    } catch (err) {
      if (opts.retryable && !opts.retryable(err)) throw err;
      if (attempt >= attempts) throw err;
      opts.signal?.throwIfAborted();
      const hint = opts.retryAfterMs?.(err);
      const delayMs = Math.max(0, Math.min(opts.maxDelayMs, hint ?? backoffDelay(attempt, opts)));
      opts.onRetry?.({ attempt, delayMs, error: err });
      try {
        await sleep(delayMs, opts.signal);
      } catch (sleepErr) {
        // A sleep that rejects on abort (timers/promises) ends the loop with the signal's reason.
        opts.signal?.throwIfAborted();
        throw sleepErr;
      }
    }
  }
}

function defaultSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return signal ? abortableSleep(ms, signal) : new Promise((resolve) => setTimeout(resolve, ms));
}
