// Microsoft Teams: an Adaptive Card for Workflows (Power Automate) webhooks, or the legacy
// MessageCard for Office 365 connector URLs (`*.webhook.office.com`), as Flux chooses.
import type { FluxEvent } from '../event.ts';
import { objectTitle, requireHttpUrl, sortedMetadata } from './format.ts';
import { requestNotifier } from './http.ts';
import type { NotifierFactory } from './types.ts';

/** Whether `host` is an Office 365 connector, which only understands MessageCard. */
export function isLegacyTeamsHost(host: string): boolean {
  return host.toLowerCase().endsWith('.webhook.office.com');
}

/** The Workflows payload: one Adaptive Card 1.4 attachment with the title, message and metadata facts (summary first). */
export function teamsAdaptiveCard(event: FluxEvent): Record<string, unknown> {
  const metadata = sortedMetadata(event);
  const summary = metadata.filter(([k]) => k === 'summary');
  const facts = [...summary, ...metadata.filter(([k]) => k !== 'summary')].map(([title, value]) => ({ title, value }));
  const body: Record<string, unknown>[] = [
    {
      type: 'Container',
      items: [
        { type: 'TextBlock', text: objectTitle(event), size: 'Large', weight: 'Bolder', wrap: true },
        {
          type: 'TextBlock',
          text: event.message,
          wrap: true,
          ...(event.severity === 'error' ? { color: 'Attention' } : {}),
        },
        ...(facts.length > 0 ? [{ type: 'FactSet', facts }] : []),
      ],
    },
  ];
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body,
          msteams: { width: 'Full' },
        },
      },
    ],
  };
}

/** The Office 365 connector payload (MessageCard), red for errors. */
export function teamsMessageCard(event: FluxEvent): Record<string, unknown> {
  const title = objectTitle(event);
  return {
    '@type': 'MessageCard',
    '@context': 'http://schema.org/extensions',
    themeColor: event.severity === 'error' ? 'FF0000' : '0076D7',
    summary: title,
    sections: [
      {
        activityTitle: event.message,
        activitySubtitle: title,
        facts: sortedMetadata(event).map(([name, value]) => ({ name, value })),
      },
    ],
  };
}

/** Teams notifier; the format follows the webhook host. */
export const msteams: NotifierFactory = (cfg) => {
  const legacy = isLegacyTeamsHost(requireHttpUrl(cfg).hostname);
  return requestNotifier(cfg, (event) => ({
    method: 'POST',
    url: cfg.address,
    body: legacy ? teamsMessageCard(event) : teamsAdaptiveCard(event),
  }));
};
