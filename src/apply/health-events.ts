// Watch events as a wake-up for health waits: a wait re-reads its objects when one of them changed, instead of
// only every poll interval.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ObjectRef } from '../kube/types.ts';

const keyOf = (ref: ObjectRef): string => `${ref.apiVersion}|${ref.kind}|${ref.namespace ?? ''}/${ref.name}`;

/** Wakes a health wait when an object it waits for changed. */
export interface HealthSubscription {
  /**
   * Resolves when one of the subscribed objects changed since the previous call (at once if it already did), or
   * after `ms`, or when `signal` aborts (never rejects).
   */
  next(ms: number, signal?: AbortSignal): Promise<void>;
  /** Stops listening. */
  close(): void;
}

/** Where health waits subscribe to object changes. */
export interface HealthEvents {
  subscribe(refs: readonly ObjectRef[]): HealthSubscription;
}

/**
 * Routes change notices (from watches) to the health waits subscribed to those objects. A notice for an object
 * nobody waits for costs a map lookup. Notices that arrive while no `next` is pending are remembered, so a change
 * between a wait's read and its `next` is never lost.
 */
export class HealthEventHub implements HealthEvents {
  private readonly waiters = new Map<string, Set<Waiter>>();
  private readonly settleMs: number;

  /** `settleMs`: after a change, wait this long for more before waking (a burst of updates is read once). */
  constructor(opts: { settleMs?: number } = {}) {
    this.settleMs = opts.settleMs ?? 50;
  }

  /** An object changed (added, updated or deleted). */
  notify(ref: ObjectRef): void {
    for (const w of this.waiters.get(keyOf(ref)) ?? []) w.fire();
  }

  subscribe(refs: readonly ObjectRef[]): HealthSubscription {
    const keys = [...new Set(refs.map(keyOf))];
    const waiter = new Waiter(this.settleMs);
    for (const key of keys) {
      const set = this.waiters.get(key) ?? new Set<Waiter>();
      set.add(waiter);
      this.waiters.set(key, set);
    }
    return {
      next: (ms, signal) => waiter.next(ms, signal),
      close: () => {
        waiter.fire();
        for (const key of keys) {
          const set = this.waiters.get(key);
          set?.delete(waiter);
          if (set?.size === 0) this.waiters.delete(key);
        }
      },
    };
  }

  /** Objects with at least one wait subscribed (for tests and leak checks). */
  get watchedObjects(): number {
    return this.waiters.size;
  }
}

class Waiter {
  private pending = false;
  private wake: (() => void) | undefined;

  constructor(private readonly settleMs: number) {}

  fire(): void {
    this.pending = true;
    this.wake?.();
  }

  async next(ms: number, signal?: AbortSignal): Promise<void> {
    if (!this.pending) {
      const done = new AbortController();
      const stop = signal ? AbortSignal.any([signal, done.signal]) : done.signal;
      this.wake = () => done.abort();
      await sleep(ms, undefined, { signal: stop }).catch(() => undefined);
      this.wake = undefined;
      if (!this.pending || signal?.aborted) return;
    }
    // Let the rest of a burst arrive, then read once.
    if (this.settleMs > 0) await sleep(this.settleMs, undefined, signal ? { signal } : {}).catch(() => undefined);
    this.pending = false;
  }
}
