// Prometheus Alertmanager: POST /api/v2/alerts with one firing alert per event.
import type { FluxEvent } from '../event.ts';
import { authorization, requireHttpUrl } from './format.ts';
import { requestNotifier } from './http.ts';
import type { NotifierFactory } from './types.ts';

/** Alertmanager rejects label names outside `[a-zA-Z_][a-zA-Z0-9_]*`; other characters become `_`. */
export function labelName(key: string): string {
  const name = key.replace(/[^a-zA-Z0-9_]/g, '_');
  return /^[0-9]/.test(name) ? `_${name}` : name;
}

/** Go's `cases.Title` as Flux applies it to the reason: first letter upper, the rest lower. */
function title(reason: string): string {
  return reason.charAt(0).toUpperCase() + reason.slice(1).toLowerCase();
}

/**
 * The postable alerts array: labels = metadata (names sanitised; `summary` moves to annotations)
 * plus alertname `Flux<Kind><Reason>`, severity, reason, kind, name, namespace, reportingcontroller;
 * annotations = message (and summary); startsAt = the event time.
 */
export function alertmanagerPayload(event: FluxEvent): Record<string, unknown>[] {
  const annotations: Record<string, string> = { message: event.message };
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(event.metadata ?? {})) {
    if (k === 'summary') annotations.summary = v;
    else if (v !== '') labels[labelName(k)] = v;
  }
  Object.assign(labels, {
    alertname: `Flux${event.involvedObject.kind}${title(event.reason)}`,
    severity: event.severity,
    reason: event.reason,
    kind: event.involvedObject.kind,
    name: event.involvedObject.name,
    namespace: event.involvedObject.namespace,
    reportingcontroller: event.reportingController,
  });
  return [{ labels, annotations, startsAt: event.timestamp }];
}

/** Alertmanager notifier; `address` is the full `/api/v2/alerts` URL; auth by `token` (Bearer) or username/password. */
export const alertmanager: NotifierFactory = (cfg) => {
  requireHttpUrl(cfg);
  return requestNotifier(cfg, (event) => ({
    method: 'POST',
    url: cfg.address,
    showPath: true,
    headers: authorization(cfg),
    body: alertmanagerPayload(event),
  }));
};
