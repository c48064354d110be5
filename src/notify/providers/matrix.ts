// Matrix: PUT /_matrix/client/v3/rooms/{room}/send/m.room.message/{txnId} with an access token.
import { createHash } from 'node:crypto';
import type { FluxEvent } from '../event.ts';
import { eventJson } from './generic.ts';
import { objectTitle, required, requireHttpUrl, sortedMetadata } from './format.ts';
import { requestNotifier } from './http.ts';
import type { NotifierFactory } from './types.ts';

/** A plain-text `m.text` message: title, message, metadata as a list. */
export function matrixPayload(event: FluxEvent): Record<string, unknown> {
  const icon = event.severity === 'error' ? '🚨' : '💫';
  const lines = [
    `${icon} ${objectTitle(event)}`,
    event.message,
    ...sortedMetadata(event).map(([k, v]) => `- ${k}: ${v}`),
  ];
  return { msgtype: 'm.text', body: lines.join('\n') };
}

/**
 * The transaction ID: a hash of the event, so a retried PUT is idempotent on the homeserver
 * (Matrix de-duplicates by access token + txnId).
 */
export function matrixTxnId(event: FluxEvent): string {
  return createHash('sha256').update(eventJson(event)).digest('hex').slice(0, 40);
}

/** Matrix notifier; `address` is the homeserver URL, `channel` the room ID (`!id:server`), `token` the access token. */
export const matrix: NotifierFactory = (cfg) => {
  const base = requireHttpUrl(cfg).toString().replace(/\/+$/, '');
  const token = required(cfg, cfg.token, 'the Secret key "token" (an access token)');
  const room = required(cfg, cfg.channel, 'spec.channel (the room ID, e.g. !abc:matrix.org)');
  return requestNotifier(cfg, (event) => ({
    method: 'PUT',
    url: `${base}/_matrix/client/v3/rooms/${encodeURIComponent(room)}/send/m.room.message/${matrixTxnId(event)}`,
    showPath: true,
    headers: { authorization: `Bearer ${token}` },
    body: matrixPayload(event),
  }));
};
