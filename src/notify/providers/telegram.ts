// Telegram: Bot API sendMessage, chat in `spec.channel` (`-100123`, `@channel`, or `<chat>:<topic>`).
import type { FluxEvent } from '../event.ts';
import { objectTitle, required, sortedMetadata, truncate, requireHttpUrl } from './format.ts';
import { requestNotifier } from './http.ts';
import { checkSlackBody } from './slack.ts';
import type { NotifierFactory } from './types.ts';

/** The Bot API host, used when `spec.address` is empty. */
export const TelegramApiUrl = 'https://api.telegram.org';

/** Telegram rejects messages over 4,096 characters. */
const MAX_TEXT = 4096;

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** sendMessage parameters: HTML parse mode (only `<>&` need escaping), topic from `chat:topic`. */
export function telegramPayload(event: FluxEvent, channel: string): Record<string, unknown> {
  const icon = event.severity === 'error' ? '🚨' : '💫';
  const lines = [`<b>${escapeHtml(`${icon} ${objectTitle(event)}`)}</b>`, escapeHtml(event.message)];
  for (const [k, v] of sortedMetadata(event)) lines.push(`• <b>${escapeHtml(k)}</b>: ${escapeHtml(v)}`);
  const colon = channel.lastIndexOf(':');
  const topic = colon > 0 ? Number(channel.slice(colon + 1)) : NaN;
  const chatId = Number.isInteger(topic) ? channel.slice(0, colon) : channel;
  return {
    chat_id: chatId,
    text: truncate(lines.join('\n'), MAX_TEXT),
    parse_mode: 'HTML',
    ...(Number.isInteger(topic) ? { message_thread_id: topic } : {}),
  };
}

/** Telegram notifier; needs `token` (bot token, part of the URL path, so never shown) and `channel`. */
export const telegram: NotifierFactory = (cfg) => {
  const base = requireHttpUrl(cfg, cfg.address || TelegramApiUrl)
    .toString()
    .replace(/\/+$/, '');
  const token = required(cfg, cfg.token, 'the Secret key "token" (the bot token)');
  const channel = required(cfg, cfg.channel, 'spec.channel (the chat ID)');
  return requestNotifier(cfg, (event) => ({
    method: 'POST',
    url: `${base}/bot${token}/sendMessage`,
    body: telegramPayload(event, channel),
    check: checkSlackBody,
  }));
};
