// Grafana: POST /api/annotations, one annotation per event tagged like Flux's.
import type { FluxEvent } from '../event.ts';
import { authorization, objectTitle, requireHttpUrl, sortedMetadata } from './format.ts';
import { requestNotifier } from './http.ts';
import type { NotifierFactory } from './types.ts';

/**
 * The annotation: time in epoch ms, text `<kind>/<name>.<namespace>: <message>`, tags `flux`, the
 * controller, `key: value` per metadata entry (`:` in keys and values replaced by `|`, as Flux does
 * so tags stay splittable), then kind, name and namespace.
 */
export function grafanaPayload(event: FluxEvent): Record<string, unknown> {
  const o = event.involvedObject;
  const tags = [
    'flux',
    event.reportingController,
    ...sortedMetadata(event).map(([k, v]) => `${k.replaceAll(':', '|')}: ${v.replaceAll(':', '|')}`),
    `kind: ${o.kind}`,
    `name: ${o.name}`,
    `namespace: ${o.namespace}`,
  ];
  const time = Date.parse(event.timestamp);
  return {
    time: Number.isNaN(time) ? Date.now() : time,
    tags,
    text: `${objectTitle(event)}: ${event.message}`,
  };
}

/** Grafana notifier; `address` is `https://<grafana>/api/annotations`; `token` (service account) or basic auth. */
export const grafana: NotifierFactory = (cfg) => {
  requireHttpUrl(cfg);
  return requestNotifier(cfg, (event) => ({
    method: 'POST',
    url: cfg.address,
    showPath: true,
    headers: authorization(cfg),
    body: grafanaPayload(event),
  }));
};
