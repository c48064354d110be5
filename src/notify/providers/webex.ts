// Webex: POST https://webexapis.com/v1/messages with a bot token, the room in `spec.channel`.
import type { FluxEvent } from '../event.ts';
import { objectTitle, required, requireHttpUrl, sortedMetadata } from './format.ts';
import { requestNotifier } from './http.ts';
import type { NotifierFactory } from './types.ts';

/** Webex's messages API, used when `spec.address` is empty. */
export const WebexMessagesUrl = 'https://webexapis.com/v1/messages';

/** The message in Webex markdown: title line, message, one quoted line per metadata key. */
export function webexMarkdown(event: FluxEvent): string {
  const icon = event.severity === 'error' ? '💣' : '✅';
  const lines = [`${icon} **${objectTitle(event)}**`, event.message];
  for (const [k, v] of sortedMetadata(event)) lines.push(`>**${k}**: ${v}`);
  return lines.join('\n');
}

/** Webex notifier; needs `token` and `channel` (room ID). */
export const webex: NotifierFactory = (cfg) => {
  const address = cfg.address || WebexMessagesUrl;
  requireHttpUrl(cfg, address);
  const token = required(cfg, cfg.token, 'the Secret key "token" (a bot access token)');
  const roomId = required(cfg, cfg.channel, 'spec.channel (the room ID)');
  return requestNotifier(cfg, (event) => ({
    method: 'POST',
    url: address,
    showPath: true,
    headers: { authorization: `Bearer ${token}` },
    body: { roomId, markdown: webexMarkdown(event) },
  }));
};
