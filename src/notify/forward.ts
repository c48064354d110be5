// Events of a process that does not serve the notification group, sent over HTTP to the one that does, as
// Flux's controllers send theirs to notification-controller (`--events-addr=http://notification-controller…/`).
import type { EventRecorder, RecordedEvent } from '../runtime/events.ts';
import type { Logger } from '../runtime/logger.ts';
import { retry } from '../util/retry.ts';
import { toFluxEvent } from './event.ts';

/** Whether an `--events-addr` value is a URL to send events to (Flux controllers' meaning), not a bind address. */
export const isEventsUrl = (addr: string): boolean => /^https?:\/\//i.test(addr);

/**
 * Adds a sink to `recorder` that POSTs each event, in Flux's payload shape, to `url` (a few retries with
 * backoff; a final failure is logged, the reconcile never waits for it). Returns a function that waits for
 * the sends in flight (for a graceful stop).
 */
export function forwardEvents(opts: {
  recorder: EventRecorder;
  url: string;
  logger: Logger;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}): () => Promise<void> {
  const send = opts.fetch ?? fetch;
  const inFlight = new Set<Promise<void>>();
  const post = async (event: RecordedEvent): Promise<void> => {
    const body = JSON.stringify(toFluxEvent(event));
    try {
      await retry(
        async () => {
          const res = await send(opts.url, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body,
            signal: AbortSignal.timeout(15_000),
          });
          await res.body?.cancel();
          // 429: a duplicate within the receiver's rate-limit window, dropped on purpose (as Flux).
          if (!res.ok && res.status !== 429) throw new Error(`HTTP ${res.status}`);
        },
        {
          attempts: 4,
          baseDelayMs: 500,
          maxDelayMs: 5_000,
          ...(opts.sleep ? { sleep: (ms: number) => opts.sleep!(ms) } : {}),
        },
      );
    } catch (err) {
      opts.logger.warn(
        {
          url: opts.url,
          reason: event.reason,
          object: `${event.involvedObject.kind}/${event.involvedObject.name}`,
          err: String(err),
        },
        'sending the event to the notification side failed',
      );
    }
  };
  opts.recorder.addSink((event) => {
    const p = post(event).finally(() => inFlight.delete(p));
    inFlight.add(p);
  });
  return async () => {
    await Promise.allSettled([...inFlight]);
  };
}
