// The events endpoint (`--events-addr`): accepts the JSON events Flux controllers POST, exactly as
// notification-controller's event server answers them, and hands each new event to an injected dispatch.
import { Hono, type Context } from 'hono';
import type { Clock } from '../../runtime/clock.ts';
import { systemClock } from '../../runtime/clock.ts';
import type { FluxEvent } from '../event.ts';
import type { Logger } from '../../runtime/logger.ts';
import { readBodyWithLimit, type HttpLimits, type RunningServer } from '../../runtime/http-server.ts';
import { MAX_BODY_BYTES, startHardenedServer } from '../receivers/http-limits.ts';
import { DEFAULT_RATE_LIMIT_INTERVAL_MS, DuplicateLimiter, eventKey } from './duplicate-limiter.ts';
import { parseFluxEvent } from './parse-event.ts';

/** What happened to one POSTed event, for metrics. */
export const IntakeOutcomes = {
  accepted: 'accepted',
  duplicate: 'duplicate',
  invalid: 'invalid',
  malformed: 'malformed',
  tooLarge: 'too_large',
  dispatchFailed: 'dispatch_failed',
} as const;

export type IntakeOutcome = (typeof IntakeOutcomes)[keyof typeof IntakeOutcomes];

export interface EventIntakeOptions {
  /** Receives each accepted, non-duplicate event. Should enqueue quickly: the sender waits (5 s timeout) for the answer. */
  dispatch(event: FluxEvent): void | Promise<void>;
  /** Window in which an identical event is refused with 429, default 5 min (`--rate-limit-interval`). */
  rateLimitIntervalMs?: number;
  /** Body cap, default 3 MiB (413 above it). */
  maxBodyBytes?: number;
  clock?: Clock;
  observer?: { received(outcome: IntakeOutcome): void };
  logger?: Logger;
}

/**
 * Builds the intake app. POST (any path, like Flux's `/` mux pattern) answers: 413 over the cap (a
 * Content-Length claim is refused unread), 400 for malformed JSON, 400 naming the first invalid field,
 * 429 with `X-RateLimit-*`/`Retry-After` for a duplicate within the interval (keyed as Flux's
 * eventKeyFunc), else 202 after `dispatch` returned. A failing dispatch is logged and still answers 202,
 * as Flux does for alert errors. Never throws.
 */
export function createEventIntakeApp(opts: EventIntakeOptions): Hono {
  const maxBody = opts.maxBodyBytes ?? MAX_BODY_BYTES;
  const limiter = new DuplicateLimiter({
    clock: opts.clock ?? systemClock,
    intervalMs: opts.rateLimitIntervalMs ?? DEFAULT_RATE_LIMIT_INTERVAL_MS,
  });
  const note = (outcome: IntakeOutcome) => opts.observer?.received(outcome);
  const app = new Hono();

  const refuse = (c: Context, outcome: IntakeOutcome, status: 400 | 413, message: string) => {
    note(outcome);
    opts.logger?.warn({ outcome, status, message }, 'event refused');
    return c.text(message, status);
  };

  app.post('*', async (c) => {
    const body = await readBodyWithLimit(c.req.raw, maxBody);
    if (!body.ok)
      return refuse(
        c,
        body.status === 413 ? IntakeOutcomes.tooLarge : IntakeOutcomes.malformed,
        body.status,
        body.reason,
      );
    let json: unknown;
    try {
      json = JSON.parse(body.body.toString('utf8'));
    } catch (err) {
      return refuse(c, IntakeOutcomes.malformed, 400, `malformed JSON: ${(err as Error).message}`);
    }
    const parsed = parseFluxEvent(json);
    if (!parsed.ok) return refuse(c, IntakeOutcomes.invalid, 400, `invalid event: ${parsed.field} ${parsed.reason}`);
    const event = parsed.event;

    const verdict = limiter.take(eventKey(event));
    // go-limiter's headers, Go's RFC 1123 rendering of a UTC time.
    const reset = new Date(verdict.resetAt).toUTCString().replace('GMT', 'UTC');
    c.header('X-RateLimit-Limit', '1');
    c.header('X-RateLimit-Remaining', '0');
    c.header('X-RateLimit-Reset', reset);
    if (!verdict.allowed) {
      note(IntakeOutcomes.duplicate);
      opts.logger?.debug({ involvedObject: event.involvedObject }, 'discarding event, rate limiting duplicate events');
      c.header('Retry-After', reset);
      return c.text('Too Many Requests', 429);
    }

    try {
      await opts.dispatch(event);
      note(IntakeOutcomes.accepted);
    } catch (err) {
      note(IntakeOutcomes.dispatchFailed);
      opts.logger?.error({ err: String(err), involvedObject: event.involvedObject }, 'event dispatch failed');
    }
    return c.body(null, 202);
  });

  app.onError((err, c) => {
    opts.logger?.error({ err: String(err) }, 'event intake handler failed');
    return c.text('internal error', 500);
  });
  return app;
}

/** Serves the intake on `addr` (e.g. `:9090`) with the receiver server's limits (10 s headers, 30 s request, 256 KiB headers). */
export async function startEventIntakeServer(opts: {
  app: Hono;
  addr: string;
  limits?: Partial<HttpLimits>;
}): Promise<RunningServer> {
  return await startHardenedServer(opts);
}
