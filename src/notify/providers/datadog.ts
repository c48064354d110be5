// Datadog: POST {site}/api/v1/events with the API key in `DD-API-KEY`.
import type { FluxEvent } from '../event.ts';
import { objectTitle, required, requireHttpUrl, sortedMetadata, truncate } from './format.ts';
import { requestNotifier } from './http.ts';
import type { NotifierFactory } from './types.ts';

/** The US1 site, used when `spec.address` is empty (set e.g. https://api.datadoghq.eu for EU). */
export const DatadogApiUrl = 'https://api.datadoghq.com';

/** The event: title (≤100) names the object, text (≤4,000) is the message, lowercased `key:value` tags as Flux. */
export function datadogPayload(event: FluxEvent): Record<string, unknown> {
  const o = event.involvedObject;
  const tags = [
    `flux_reporting_controller:${event.reportingController}`,
    `flux_reason:${event.reason}`,
    `kube_kind:${o.kind}`,
    `kube_name:${o.name}`,
    `kube_namespace:${o.namespace}`,
    ...sortedMetadata(event).map(([k, v]) => `${k}:${v}`),
  ].map((t) => t.toLowerCase());
  const happened = Date.parse(event.timestamp);
  return {
    title: truncate(`Events from the ${o.kind} ${o.name}/${o.namespace}`, 100),
    text: truncate(event.message, 4000),
    tags,
    alert_type: event.severity === 'error' ? 'error' : 'info',
    source_type_name: 'fluxcd',
    aggregation_key: truncate(objectTitle(event), 100),
    ...(Number.isNaN(happened) ? {} : { date_happened: Math.floor(happened / 1000) }),
  };
}

/** Datadog notifier; `address` is the site's API URL (a path of `/api/v1/events` is accepted too); needs `token`. */
export const datadog: NotifierFactory = (cfg) => {
  const url = requireHttpUrl(cfg, cfg.address || DatadogApiUrl);
  const endpoint = url.pathname.replace(/\/+$/, '').endsWith('/api/v1/events')
    ? url.toString()
    : `${url.origin}/api/v1/events`;
  const token = required(cfg, cfg.token, 'the Secret key "token" (the API key)');
  return requestNotifier(cfg, (event) => ({
    method: 'POST',
    url: endpoint,
    showPath: true,
    headers: { 'dd-api-key': token },
    body: datadogPayload(event),
  }));
};
