// Slack: incoming webhooks, or the Web API `chat.postMessage` with a bot token and a channel.
// The same attachment payload is accepted by Discord's `/slack` endpoint and Rocket.Chat.
import type { FluxEvent } from '../event.ts';
import { firstLine, objectTitle, required, requireHttpUrl, sortedMetadata } from './format.ts';
import { requestNotifier } from './http.ts';
import type { NotifierFactory, ProviderConfig } from './types.ts';

/** The icon Flux shows on its messages. */
export const FluxIconUrl = 'https://raw.githubusercontent.com/fluxcd/flux2/main/docs/_files/flux-icon@2x.png';

/** Slack's legacy attachment message, as Flux sends it: colour by severity, metadata as fields. */
export function slackPayload(event: FluxEvent, opts: { username?: string; channel?: string }): Record<string, unknown> {
  const author = objectTitle(event);
  return {
    ...(opts.channel ? { channel: opts.channel } : {}),
    username: opts.username || event.reportingController,
    icon_url: FluxIconUrl,
    attachments: [
      {
        fallback: `${author}: ${firstLine(event.message)}`,
        color: event.severity === 'error' ? 'danger' : 'good',
        author_name: author,
        text: event.message,
        mrkdwn_in: ['text'],
        fields: sortedMetadata(event).map(([title, value]) => ({ title, value, short: false })),
      },
    ],
  };
}

/** Slack-compatible APIs answer 200 with `{"ok": false, "error": …}` on failure; webhooks answer `ok`. */
export function checkSlackBody(body: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (parsed && typeof parsed === 'object' && (parsed as { ok?: unknown }).ok === false) {
    return `service answered ok=false: ${String((parsed as { error?: unknown }).error ?? 'unknown error')}`;
  }
  return undefined;
}

/** Whether the address is the Web API method (bot token mode) rather than an incoming webhook. */
export function isSlackWebApi(url: URL): boolean {
  return url.pathname.replace(/\/+$/, '').endsWith('/api/chat.postMessage');
}

/** Slack notifier; `chat.postMessage` needs `token` and `channel`, webhooks need neither. */
export const slack: NotifierFactory = (cfg: ProviderConfig) => {
  const url = requireHttpUrl(cfg);
  const webApi = isSlackWebApi(url);
  if (webApi) {
    required(cfg, cfg.token, 'the Secret key "token" (a bot token) for chat.postMessage');
    required(cfg, cfg.channel, 'spec.channel for chat.postMessage');
  }
  return requestNotifier(cfg, (event) => ({
    method: 'POST',
    url: cfg.address,
    headers: cfg.token ? { authorization: `Bearer ${cfg.token}` } : undefined,
    contentType: 'application/json; charset=utf-8',
    body: slackPayload(event, { username: cfg.username, channel: cfg.channel }),
    showPath: webApi,
    check: checkSlackBody,
  }));
};
