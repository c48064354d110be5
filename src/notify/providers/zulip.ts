// Zulip: POST {address origin}/api/v1/messages, form-encoded, to the stream and topic of `spec.channel`.
import { markdownPost } from './markdown.ts';
import { invalidConfig } from './errors.ts';
import { requireHttpUrl } from './format.ts';
import { requestNotifier } from './http.ts';
import type { NotifierFactory } from './types.ts';

/**
 * Zulip notifier, as Flux's: the address's path is replaced by `/api/v1/messages`; `spec.channel` is
 * `<channel>/<topic>`; the bot's email and API key are the Secret's `username` and `password` (Basic).
 */
export const zulip: NotifierFactory = (cfg) => {
  const url = requireHttpUrl(cfg);
  url.pathname = '/api/v1/messages';
  const channel = cfg.channel ?? '';
  const slash = channel.indexOf('/');
  const stream = channel.slice(0, slash);
  const topic = channel.slice(slash + 1);
  if (slash < 0 || stream === '' || topic === '') {
    throw invalidConfig(cfg.type, `invalid Zulip channel format, expected <channel>/<topic>, got '${channel}'`);
  }
  const basic = Buffer.from(`${cfg.username ?? ''}:${cfg.password ?? ''}`).toString('base64');
  return requestNotifier(cfg, (event) => ({
    method: 'POST',
    url: url.toString(),
    contentType: 'application/x-www-form-urlencoded',
    headers: { authorization: `Basic ${basic}` },
    body: new URLSearchParams({ type: 'stream', to: stream, topic, content: markdownPost(event) }).toString(),
  }));
};
