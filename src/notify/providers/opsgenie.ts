// Opsgenie: POST https://api.opsgenie.com/v2/alerts with `Authorization: GenieKey <token>`.
import { createHash } from 'node:crypto';
import type { FluxEvent } from '../event.ts';
import { required, requireHttpUrl, truncate } from './format.ts';
import { requestNotifier } from './http.ts';
import type { NotifierFactory } from './types.ts';

/** The alerts API, used when `spec.address` is empty (EU accounts use api.eu.opsgenie.com). */
export const OpsgenieAlertsUrl = 'https://api.opsgenie.com/v2/alerts';

/**
 * The alert: message `<Kind>/<name>` (≤130), description = event message (≤15,000), details =
 * metadata + severity, alias = Flux's hash of provider UID, kind, namespace, name and reason, so
 * repeats of one condition update one Opsgenie alert.
 */
export function opsgeniePayload(event: FluxEvent, providerUid: string): Record<string, unknown> {
  const o = event.involvedObject;
  const alias = createHash('sha256')
    .update(`${providerUid}/${o.kind}/${o.namespace}/${o.name}/${event.reason}`)
    .digest('hex');
  return {
    message: truncate(`${o.kind}/${o.name}`, 130),
    alias,
    description: truncate(event.message, 15_000),
    details: { ...event.metadata, severity: event.severity },
  };
}

/** Opsgenie notifier; needs `token` (the API integration key). */
export const opsgenie: NotifierFactory = (cfg) => {
  const address = cfg.address || OpsgenieAlertsUrl;
  requireHttpUrl(cfg, address);
  const token = required(cfg, cfg.token, 'the Secret key "token" (the GenieKey)');
  return requestNotifier(cfg, (event) => ({
    method: 'POST',
    url: address,
    showPath: true,
    headers: { authorization: `GenieKey ${token}` },
    body: opsgeniePayload(event, cfg.providerUid ?? ''),
  }));
};
