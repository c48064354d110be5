// Google Chat: incoming webhook with a `cardsV2` card message.
import type { FluxEvent } from '../event.ts';
import { objectTitle, requireHttpUrl, sortedMetadata } from './format.ts';
import { requestNotifier } from './http.ts';
import type { NotifierFactory } from './types.ts';

/** Escapes text for Google Chat's HTML subset. */
function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A card: header = object and controller, a message paragraph (red for errors), then one widget per metadata key. */
export function googleChatPayload(event: FluxEvent): Record<string, unknown> {
  const message = escapeHtml(event.message);
  const sections: Record<string, unknown>[] = [
    {
      widgets: [
        { textParagraph: { text: event.severity === 'error' ? `<font color="#ff0000">${message}</font>` : message } },
      ],
    },
  ];
  const metadata = sortedMetadata(event);
  if (metadata.length > 0) {
    sections.push({
      header: 'Metadata',
      widgets: metadata.map(([topLabel, text]) => ({ decoratedText: { topLabel, text: escapeHtml(text) } })),
    });
  }
  return {
    cardsV2: [
      {
        cardId: 'flux-event',
        card: { header: { title: objectTitle(event), subtitle: event.reportingController }, sections },
      },
    ],
  };
}

/** Google Chat notifier; the webhook URL (with its key and token) is the secret. */
export const googlechat: NotifierFactory = (cfg) => {
  requireHttpUrl(cfg);
  return requestNotifier(cfg, (event) => ({
    method: 'POST',
    url: cfg.address,
    contentType: 'application/json; charset=UTF-8',
    body: googleChatPayload(event),
  }));
};
