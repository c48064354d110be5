// Duplicate-event limiter keyed like notification-controller's eventKeyFunc (event_server.go).
import { createHash } from 'node:crypto';
import type { Clock } from '../../runtime/clock.ts';
import type { FluxEvent } from '../event.ts';
import { MetadataKeys, objectGroup } from '../event.ts';

/** Flux's `--rate-limit-interval` default: 5 minutes. */
export const DefaultRateLimitIntervalMs = 5 * 60 * 1000;

/**
 * Flux's rate-limit key for an event: hex sha256 of `event/name=…/namespace=…/kind=…/message=…`
 * followed by `/originRevision=…`, `/revision=…`, `/token=…` for each of the raw (prefixed
 * `<group>/`) metadata keys present. Computed on the event as received, before metadata cleanup.
 */
export function eventRateLimitKey(event: FluxEvent): string {
  const o = event.involvedObject;
  const parts = ['event', `name=${o.name}`, `namespace=${o.namespace}`, `kind=${o.kind}`, `message=${event.message}`];
  const group = objectGroup(event);
  const metadata = event.metadata ?? {};
  for (const key of [MetadataKeys.originRevision, MetadataKeys.revision, MetadataKeys.token]) {
    const full = `${group}/${key}`;
    if (Object.hasOwn(metadata, full)) parts.push(`${key}=${metadata[full]}`);
  }
  return createHash('sha256').update(parts.join('/')).digest('hex');
}

/** Options of `RateLimiter`. */
export interface RateLimiterOptions {
  /** Window in which a repeat of the same key is a duplicate; default 5 minutes (Flux's default). */
  intervalMs?: number;
  /** Time source; default the system clock. Only `now()` is used. */
  clock?: Pick<Clock, 'now'>;
  /** Keys remembered at most; the oldest are forgotten first. Default 10,000 (bounds memory under event storms). */
  maxKeys?: number;
}

/**
 * One token per key per interval, like Flux's go-limiter store with `Tokens: 1`: the first event of
 * a key is allowed and opens a window of `intervalMs`; repeats inside the window are rejected (the
 * HTTP intake answers 429) and do not extend it.
 */
export class RateLimiter {
  private readonly intervalMs: number;
  private readonly clock: Pick<Clock, 'now'>;
  private readonly maxKeys: number;
  /** Window start per key, in insertion order, so the oldest windows are at the front. */
  private readonly windows = new Map<string, number>();

  constructor(options: RateLimiterOptions = {}) {
    this.intervalMs = options.intervalMs ?? DefaultRateLimitIntervalMs;
    this.clock = options.clock ?? { now: () => Date.now() };
    this.maxKeys = options.maxKeys ?? 10_000;
  }

  /** True when `event` may pass, false when it repeats an event seen within the interval. */
  allow(event: FluxEvent): boolean {
    return this.allowKey(eventRateLimitKey(event));
  }

  /** `allow` for a precomputed key. */
  allowKey(key: string): boolean {
    const now = this.clock.now();
    this.evictExpired(now);
    const start = this.windows.get(key);
    if (start !== undefined && now - start < this.intervalMs) return false;
    this.windows.delete(key);
    this.windows.set(key, now);
    if (this.windows.size > this.maxKeys) {
      const oldest = this.windows.keys().next();
      if (!oldest.done) this.windows.delete(oldest.value);
    }
    return true;
  }

  /** Number of keys currently remembered (for tests and metrics). */
  get size(): number {
    return this.windows.size;
  }

  private evictExpired(now: number): void {
    for (const [key, start] of this.windows) {
      if (now - start < this.intervalMs) break;
      this.windows.delete(key);
    }
  }
}
