import type { Clock } from '../../runtime/clock.ts';
import { systemClock } from '../../runtime/clock.ts';

/** Default coalescing window: long enough to absorb a burst of deliveries for one push, short enough to feel instant. */
export const DEFAULT_COALESCE_WINDOW_MS = 2_000;

/**
 * Trailing-edge coalescing of work per key: the first call for a key opens a window of `windowMs`
 * (default 2 s); every call in that window joins it; when it closes, the most recent call's function runs
 * once and all callers receive its result (or its error). A call after the window closed, even while
 * that run is still in flight, opens a new window, so no delivery is ever lost. `windowMs <= 0` runs at once.
 */
export class Coalescer<T> {
  private readonly windowMs: number;
  private readonly clock: Clock;
  private readonly pending = new Map<
    string,
    { fn: () => Promise<T>; waiters: { resolve(v: T): void; reject(e: unknown): void }[] }
  >();

  constructor(opts: { windowMs?: number; clock?: Clock } = {}) {
    this.windowMs = opts.windowMs ?? DEFAULT_COALESCE_WINDOW_MS;
    this.clock = opts.clock ?? systemClock;
  }

  /** Number of keys with an open window. */
  get openWindows(): number {
    return this.pending.size;
  }

  /** Schedules `fn` under `key`; resolves with the result of the one run that serves this window. */
  run(key: string, fn: () => Promise<T>): Promise<T> {
    if (this.windowMs <= 0) return fn();
    return new Promise<T>((resolve, reject) => {
      const open = this.pending.get(key);
      if (open) {
        // The latest request wins: its body is the freshest view of the sender's state.
        open.fn = fn;
        open.waiters.push({ resolve, reject });
        return;
      }
      this.pending.set(key, { fn, waiters: [{ resolve, reject }] });
      this.clock.setTimeout(() => this.flush(key), this.windowMs);
    });
  }

  private flush(key: string): void {
    const batch = this.pending.get(key);
    if (!batch) return;
    this.pending.delete(key);
    void Promise.resolve()
      .then(batch.fn)
      .then(
        (value) => batch.waiters.forEach((w) => w.resolve(value)),
        (err: unknown) => batch.waiters.forEach((w) => w.reject(err)),
      );
  }
}
