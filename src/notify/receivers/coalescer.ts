import type { Clock } from '../../runtime/clock.ts';
import { systemClock } from '../../runtime/clock.ts';

/**
 * Default extra quiet period after a run starts: none. Deliveries that arrive while a trigger is being written
 * still share the next one, and the reconcile queue merges requests for an object already queued; a timed window
 * (2 s once) delayed a second push within it by up to the window, where Flux's receiver acts on each at once.
 */
export const DEFAULT_COALESCE_WINDOW_MS = 0;

type Waiter<T> = { resolve(v: T): void; reject(e: unknown): void };

/**
 * Leading- and trailing-edge coalescing of work per key. The first call for a key runs at once (a push is acted on
 * without delay) and opens a quiet period that lasts until that run has finished and, when `windowMs` > 0, at least
 * `windowMs`. Calls during the period join one trailing batch: when it ends, the most recent call's function runs
 * once, all of the batch's callers receive its result (or its error), and a new period starts. A burst of
 * deliveries for one push thus costs two runs at most, and no delivery is ever lost.
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
    if (!this.quiet.has(key)) return this.startRun(key, fn);
    return new Promise<T>((resolve, reject) => {
      const batch = this.quiet.get(key);
      // The latest request wins: its body is the freshest view of the sender's state.
      if (batch) {
        batch.fn = fn;
        batch.waiters.push({ resolve, reject });
      } else this.quiet.set(key, { fn, waiters: [{ resolve, reject }] });
    });
  }

  /** Runs `fn` and keeps `key` quiet until it has finished and the window has passed. */
  private startRun(key: string, fn: () => Promise<T>): Promise<T> {
    this.quiet.set(key, undefined);
    const result = Promise.resolve().then(fn);
    const window =
      this.windowMs > 0 ? new Promise<void>((r) => this.clock.setTimeout(r, this.windowMs)) : Promise.resolve();
    void Promise.all([result.catch(() => undefined), window]).then(() => this.endQuietPeriod(key));
    return result;
  }

  private endQuietPeriod(key: string): void {
    const batch = this.quiet.get(key);
    this.quiet.delete(key);
    if (!batch) return;
    this.startRun(key, batch.fn).then(
      (value) => batch.waiters.forEach((w) => w.resolve(value)),
      (err: unknown) => batch.waiters.forEach((w) => w.reject(err)),
    );
  }
}
