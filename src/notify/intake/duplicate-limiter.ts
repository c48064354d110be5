// Flux's duplicate-event suppression, private to the intake: sethvargo/go-limiter's memory store with
// one token per interval, keyed like notification-controller's eventKeyFunc.
import { createHash } from 'node:crypto';
import type { Clock } from '../../runtime/clock.ts';
import type { FluxEvent } from '../event.ts';

/** notification-controller's `--rate-limit-interval` default: 5 minutes. */
export const DEFAULT_RATE_LIMIT_INTERVAL_MS = 5 * 60_000;

/**
 * The rate-limit key of `internal/server/event_server.go` eventKeyFunc: sha256 hex of
 * `event/name=…/namespace=…/kind=…/message=…` plus `originRevision=`, `revision=`, `token=` for each
 * `<involvedObject group>/<key>` metadata entry present.
 */
export function eventKey(event: FluxEvent): string {
  const comps = [
    'event',
    `name=${event.involvedObject.name}`,
    `namespace=${event.involvedObject.namespace}`,
    `kind=${event.involvedObject.kind}`,
    `message=${event.message}`,
  ];
  const apiVersion = event.involvedObject.apiVersion;
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  for (const key of ['originRevision', 'revision', 'token']) {
    const value = event.metadata?.[`${group}/${key}`];
    if (value !== undefined) comps.push(`${key}=${value}`);
  }
  return createHash('sha256').update(comps.join('/')).digest('hex');
}

/** The verdict for one event: allowed or not, and when its key's window ends. */
export interface TakeResult {
  allowed: boolean;
  resetAt: number;
}

/**
 * One event per key per interval, windows aligned on the key's first sighting like go-limiter's
 * memory store (an event at 1.5 intervals opens the window that ends at 2). Stale keys are swept as
 * time passes and the table is capped at `maxKeys` (default 100 000, oldest dropped) so a flood of
 * distinct events cannot grow memory without bound.
 */
export class DuplicateLimiter {
  private readonly intervalMs: number;
  private readonly clock: Clock;
  private readonly maxKeys: number;
  private readonly buckets = new Map<string, { start: number; lastTick: number }>();
  private lastSweep: number;

  constructor(opts: { clock: Clock; intervalMs?: number; maxKeys?: number }) {
    this.clock = opts.clock;
    this.intervalMs = opts.intervalMs ?? DEFAULT_RATE_LIMIT_INTERVAL_MS;
    this.maxKeys = opts.maxKeys ?? 100_000;
    this.lastSweep = this.clock.now();
  }

  /** Takes the key's token for the current window. */
  take(key: string): TakeResult {
    const now = this.clock.now();
    this.sweep(now);
    const bucket = this.buckets.get(key);
    if (!bucket || now < bucket.start) {
      // New key, or the clock went backwards: start afresh like go-limiter does.
      this.buckets.delete(key);
      this.buckets.set(key, { start: now, lastTick: 0 });
      if (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value as string);
      return { allowed: true, resetAt: now + this.intervalMs };
    }
    const tick = Math.floor((now - bucket.start) / this.intervalMs);
    const resetAt = bucket.start + (tick + 1) * this.intervalMs;
    if (tick > bucket.lastTick) {
      bucket.lastTick = tick;
      return { allowed: true, resetAt };
    }
    return { allowed: false, resetAt };
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < this.intervalMs) return;
    this.lastSweep = now;
    for (const [key, b] of this.buckets) {
      // A key whose window has ended would be allowed again anyway; dropping it loses nothing.
      if (now >= b.start + (b.lastTick + 2) * this.intervalMs) this.buckets.delete(key);
    }
  }
}
