// Zoom Team Chat incoming webhook: the full-format message card Flux sends, `Authorization: <token>`.
import type { FluxEvent } from '../event.ts';
import { objectTitle, required, requireHttpUrl, sortedMetadata } from './format.ts';
import { requestNotifier } from './http.ts';
import type { NotifierFactory } from './types.ts';

/** Flux's Zoom payload: head `kind/name.namespace` with the severity as sub-head, the message, then the metadata as fields. */
export function zoomPayload(event: FluxEvent): Record<string, unknown> {
  const body: Record<string, unknown>[] = [{ type: 'message', text: event.message }];
  const fields = sortedMetadata(event).map(([key, value]) => ({ key, value }));
  if (fields.length > 0) body.push({ type: 'fields', items: fields });
  return { content: { head: { text: objectTitle(event), sub_head: { text: event.severity } }, body } };
}

/** Zoom notifier; `format=full` is added to the webhook URL unless it names a format; the Secret's `token` is the verification token. */
export const zoom: NotifierFactory = (cfg) => {
  const url = requireHttpUrl(cfg);
  const token = required(cfg, cfg.token, 'the Secret key "token" (the Zoom verification token)');
  if (!url.searchParams.get('format')) url.searchParams.set('format', 'full');
  return requestNotifier(cfg, (event) => ({
    method: 'POST',
    url: url.toString(),
    headers: { authorization: token },
    body: zoomPayload(event),
  }));
};
