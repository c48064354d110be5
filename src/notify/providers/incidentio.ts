// incident.io HTTP alert source: firing on error events, resolved otherwise, deduplicated per object.
import type { FluxEvent } from '../event.ts';
import { objectTitle, required, requireHttpUrl } from './format.ts';
import { requestNotifier } from './http.ts';
import { ProgressingReason } from './commit-status.ts';
import type { NotifierFactory } from './types.ts';

/** Flux's incident.io payload: the object's UID is the deduplication key; metadata adds severity, reason and controller. */
export function incidentioPayload(event: FluxEvent): Record<string, unknown> {
  const metadata: Record<string, string> = { ...event.metadata, severity: event.severity, reason: event.reason };
  if (event.reportingController) metadata['reportingController'] = event.reportingController;
  return {
    title: `${objectTitle(event)}: ${event.reason}`,
    status: event.severity === 'error' ? 'firing' : 'resolved',
    deduplication_key: event.involvedObject.uid,
    ...(event.message ? { description: event.message } : {}),
    metadata,
  };
}

/** incident.io notifier: `Authorization: Bearer <token>`; Progressing events are not sent, as in Flux. */
export const incidentio: NotifierFactory = (cfg) => {
  const url = requireHttpUrl(cfg).toString();
  const token = required(cfg, cfg.token, 'the Secret key "token" (the alert source token)');
  return requestNotifier(cfg, (event) =>
    event.reason === ProgressingReason
      ? { skip: 'progressing' }
      : { method: 'POST', url, headers: { authorization: `Bearer ${token}` }, body: incidentioPayload(event) },
  );
};
