// Lark (Feishu): custom bot webhook with an interactive card.
import type { FluxEvent } from '../event.ts';
import { objectTitle, requireHttpUrl, sortedMetadata } from './format.ts';
import { requestNotifier } from './http.ts';
import type { NotifierFactory } from './types.ts';

/** The card: coloured header with the object, the message in bold, metadata lines (lark_md). */
export function larkPayload(event: FluxEvent): Record<string, unknown> {
  const error = event.severity === 'error';
  const lines = [`**${event.message}**`, '', ...sortedMetadata(event).map(([k, v]) => `${k}: ${v}`)];
  return {
    msg_type: 'interactive',
    card: {
      config: { wide_screen_mode: true },
      header: {
        title: { tag: 'plain_text', content: `${error ? '🚨' : '💫'} ${objectTitle(event)}` },
        template: error ? 'red' : 'turquoise',
      },
      elements: [{ tag: 'div', text: { tag: 'lark_md', content: lines.join('\n') } }],
    },
  };
}

/** Lark answers HTTP 200 with a non-zero `code` when it rejects a message. */
export function checkLarkBody(body: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const code = (parsed as { code?: unknown; StatusCode?: unknown } | null)?.code;
  if (typeof code === 'number' && code !== 0) {
    return `Lark answered code ${code}: ${String((parsed as { msg?: unknown }).msg ?? '')}`;
  }
  return undefined;
}

/** Lark notifier; the webhook URL is the secret. */
export const lark: NotifierFactory = (cfg) => {
  requireHttpUrl(cfg);
  return requestNotifier(cfg, (event) => ({
    method: 'POST',
    url: cfg.address,
    body: larkPayload(event),
    check: checkLarkBody,
  }));
};
