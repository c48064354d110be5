// `generic`: POST the Flux event as JSON, with `Gotk-Component` and the Secret's extra headers.
import type { FluxEvent } from '../event.ts';
import { requireHttpUrl } from './format.ts';
import { requestNotifier } from './http.ts';
import type { HttpRequest } from './http.ts';
import type { NotifierFactory, ProviderConfig } from './types.ts';

/** The event serialised with Flux's field order, as notification-controller's forwarder sends it. */
export function eventJson(event: FluxEvent): string {
  return JSON.stringify({
    involvedObject: event.involvedObject,
    severity: event.severity,
    timestamp: event.timestamp,
    message: event.message,
    reason: event.reason,
    metadata: event.metadata ?? {},
    reportingController: event.reportingController,
    reportingInstance: event.reportingInstance,
  });
}

/** The request `generic` sends; `generic-hmac` adds its signature to it. */
export function genericRequest(cfg: ProviderConfig, event: FluxEvent): HttpRequest & { body: string } {
  return {
    method: 'POST',
    url: cfg.address,
    headers: { ...cfg.headers, 'gotk-component': event.reportingController },
    body: eventJson(event),
  };
}

/** Forwards events to any HTTP endpoint. */
export const generic: NotifierFactory = (cfg) => {
  requireHttpUrl(cfg);
  return requestNotifier(cfg, (event) => genericRequest(cfg, event));
};
