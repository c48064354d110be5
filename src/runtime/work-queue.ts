import { systemClock, type Clock } from './clock.ts';
import { backoffDelay } from '../util/retry.ts';

/** Hooks for queue metrics; all optional. */
export interface QueueObserver {
  depth?(depth: number): void;
  added?(): void;
  retried?(): void;
  /** Seconds the key waited in the queue before a worker took it. */
  queued?(seconds: number): void;
  /** Seconds a worker spent on a key. */
  worked?(seconds: number): void;
}

export interface WorkQueueOptions {
  clock?: Clock;
  /** First retry delay after a failure; default 750 ms (Flux's controllers). */
  baseDelayMs?: number;
  /** Cap on the per-key exponential backoff; default 15 minutes. */
  maxDelayMs?: number;
  observer?: QueueObserver;
}

/**
 * A de-duplicating work queue with per-key exponential backoff, following client-go's contract:
 * a key is held by at most one worker; a key added while being processed is queued again after
 * `done()`; a key already waiting is not added twice; `addAfter` keeps the earliest deadline.
 */
export class WorkQueue {
  private readonly clock: Clock;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly observer: QueueObserver;
  private readonly ready: string[] = [];
  private readonly queued = new Set<string>();
  private readonly processing = new Map<string, number>();
  private readonly dirty = new Set<string>();
  private readonly enqueuedAt = new Map<string, number>();
  private readonly delayed = new Map<string, { at: number; timer: { cancel(): void } }>();
  private readonly failures = new Map<string, number>();
  private waiters: ((key: string | undefined) => void)[] = [];
  private shuttingDown = false;

  constructor(opts: WorkQueueOptions = {}) {
    this.clock = opts.clock ?? systemClock;
    this.baseDelayMs = opts.baseDelayMs ?? 750;
    this.maxDelayMs = opts.maxDelayMs ?? 15 * 60_000;
    this.observer = opts.observer ?? {};
  }

  get length(): number {
    return this.ready.length;
  }

  /** Keys currently held by workers, with the time they were taken (for "longest running" metrics). */
  get inFlight(): ReadonlyMap<string, number> {
    return this.processing;
  }

  /** Queues a key now (de-duplicated). */
  add(key: string): void {
    if (this.shuttingDown) return;
    this.cancelDelayed(key);
    this.observer.added?.();
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.enqueuedAt.set(key, this.clock.now());
    const waiter = this.waiters.shift();
    if (waiter) {
      this.take(key);
      waiter(key);
    } else {
      this.ready.push(key);
      this.observer.depth?.(this.ready.length);
    }
  }

  /** Queues a key after a delay; an earlier pending deadline wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) return this.add(key);
    const at = this.clock.now() + delayMs;
    const existing = this.delayed.get(key);
    if (existing && existing.at <= at) return;
    existing?.timer.cancel();
    const timer = this.clock.setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, delayMs);
    this.delayed.set(key, { at, timer });
  }

  /** Queues a key after its next backoff step (750 ms, 1.5 s, 3 s, … capped). */
  addRateLimited(key: string): void {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    this.observer.retried?.();
    this.addAfter(key, this.backoffFor(n));
  }

  /** The delay for the n-th consecutive failure (0-based). */
  backoffFor(n: number): number {
    return backoffDelay(n + 1, { baseDelayMs: this.baseDelayMs, maxDelayMs: this.maxDelayMs });
  }

  /** Resets a key's backoff after a success. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  failuresOf(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Waits for the next key; resolves `undefined` once the queue shuts down. */
  async get(): Promise<string | undefined> {
    const key = this.ready.shift();
    if (key !== undefined) {
      this.observer.depth?.(this.ready.length);
      this.take(key);
      return key;
    }
    if (this.shuttingDown) return undefined;
    return await new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Marks a key finished; re-queues it when it was added meanwhile. */
  done(key: string): void {
    const started = this.processing.get(key);
    if (started !== undefined) this.observer.worked?.((this.clock.now() - started) / 1000);
    this.processing.delete(key);
    if (this.dirty.delete(key)) this.add(key);
  }

  /** Stops handing out keys; pending waiters get `undefined`, delayed adds are dropped. */
  shutDown(): void {
    this.shuttingDown = true;
    for (const { timer } of this.delayed.values()) timer.cancel();
    this.delayed.clear();
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w(undefined);
  }

  private take(key: string): void {
    this.queued.delete(key);
    const at = this.enqueuedAt.get(key);
    this.enqueuedAt.delete(key);
    if (at !== undefined) this.observer.queued?.((this.clock.now() - at) / 1000);
    this.processing.set(key, this.clock.now());
  }

  private cancelDelayed(key: string): void {
    const d = this.delayed.get(key);
    if (d) {
      d.timer.cancel();
      this.delayed.delete(key);
    }
  }
}
