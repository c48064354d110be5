// PagerDuty Events API v2: error → trigger; info → resolve plus a change event; Progressing skipped (as Flux).
import type { FluxEvent } from '../event.ts';
import { ProgressingReason } from './commit-status.ts';
import { reasonWords, required, requireHttpUrl, truncate } from './format.ts';
import { requestNotifier } from './http.ts';
import type { HttpRequest } from './http.ts';
import type { NotifierFactory } from './types.ts';

/** The Events API host, used when `spec.address` is empty. */
export const PagerDutyEventsUrl = 'https://events.pagerduty.com';

/** The requests for one event: `/v2/enqueue` (trigger or resolve, dedup key = object UID) and, for info, `/v2/change/enqueue`. */
export function pagerdutyRequests(event: FluxEvent, base: string, routingKey: string): HttpRequest[] {
  const o = event.involvedObject;
  const summary = truncate(`${reasonWords(event.reason)}: ${o.kind.toLowerCase()}/${o.name}`, 1024);
  const source = `Flux ${event.reportingController}`;
  const details = { message: event.message, metadata: event.metadata ?? {} };
  const enqueue: HttpRequest = {
    method: 'POST',
    url: `${base}/v2/enqueue`,
    showPath: true,
    body:
      event.severity === 'error'
        ? {
            routing_key: routingKey,
            event_action: 'trigger',
            dedup_key: o.uid,
            payload: {
              summary,
              source,
              severity: 'error',
              timestamp: event.timestamp,
              component: o.name,
              group: o.kind,
              custom_details: details,
            },
          }
        : { routing_key: routingKey, event_action: 'resolve', dedup_key: o.uid },
  };
  if (event.severity === 'error') return [enqueue];
  const change: HttpRequest = {
    method: 'POST',
    url: `${base}/v2/change/enqueue`,
    showPath: true,
    body: {
      routing_key: routingKey,
      payload: { summary, source, timestamp: event.timestamp, custom_details: details },
    },
  };
  return [enqueue, change];
}

/** PagerDuty notifier; `channel` is the integration routing key (treated as a secret). */
export const pagerduty: NotifierFactory = (cfg) => {
  const base = requireHttpUrl(cfg, cfg.address || PagerDutyEventsUrl).origin;
  const routingKey = required(cfg, cfg.channel, 'spec.channel (the integration routing key)');
  return requestNotifier(
    cfg,
    (event) =>
      event.reason === ProgressingReason ? { skip: 'progressing' } : pagerdutyRequests(event, base, routingKey),
    { extraSecrets: [routingKey] },
  );
};
