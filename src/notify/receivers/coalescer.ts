import type { Clock } from '../../runtime/clock.ts';
import { systemClock } from '../../runtime/clock.ts';

/** Default quiet period after a run: long enough to absorb a burst of deliveries for one push. */
export const DEFAULT_COALESCE_WINDOW_MS = 2_000;

type Waiter<T> = { resolve(v: T): void; reject(e: unknown): void };

/**
 * Leading- and trailing-edge coalescing of work per key. The first call for a key runs at once (a push
 * is acted on without delay) and opens a quiet period of `windowMs` (default 2 s). Calls during that
 * period join one trailing batch: when the period ends, the most recent call's function runs once, all
 * of the batch's callers receive its result (or its error), and a new period starts. A burst of
 * deliveries for one push thus costs two runs at most, and no delivery is ever lost. `windowMs <= 0`
 * runs every call at once.
 */
export class Coalescer<T> {
  private readonly windowMs: number;
  private readonly clock: Clock;
  /** Keys in a quiet period, with the trailing batch gathered so far (if any). */
  private readonly quiet = new Map<string, { fn: () => Promise<T>; waiters: Waiter<T>[] } | undefined>();

  constructor(opts: { windowMs?: number; clock?: Clock } = {}) {
    this.windowMs = opts.windowMs ?? DEFAULT_COALESCE_WINDOW_MS;
    this.clock = opts.clock ?? systemClock;
  }

  /** Number of keys in a quiet period. */
  get openWindows(): number {
    return this.quiet.size;
  }

  /** Runs `fn` under `key` now, or in the one trailing run of the current quiet period. */
  run(key: string, fn: () => Promise<T>): Promise<T> {
    if (this.windowMs <= 0) return fn();
    if (!this.quiet.has(key)) {
      this.startQuietPeriod(key);
      return Promise.resolve().then(fn);
    }
    return new Promise<T>((resolve, reject) => {
      const batch = this.quiet.get(key);
      // The latest request wins: its body is the freshest view of the sender's state.
      if (batch) {
        batch.fn = fn;
        batch.waiters.push({ resolve, reject });
      } else this.quiet.set(key, { fn, waiters: [{ resolve, reject }] });
    });
  }

  private startQuietPeriod(key: string): void {
    this.quiet.set(key, undefined);
    this.clock.setTimeout(() => this.endQuietPeriod(key), this.windowMs);
  }

  private endQuietPeriod(key: string): void {
    const batch = this.quiet.get(key);
    this.quiet.delete(key);
    if (!batch) return;
    this.startQuietPeriod(key);
    void Promise.resolve()
      .then(batch.fn)
      .then(
        (value) => batch.waiters.forEach((w) => w.resolve(value)),
        (err: unknown) => batch.waiters.forEach((w) => w.reject(err)),
      );
  }
}
