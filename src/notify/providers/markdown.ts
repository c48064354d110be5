// Flux's Markdown rendering of an event (notification-controller formatMarkdownPost), shared by Zulip
// and the change-request comment providers.
import type { FluxEvent } from '../event.ts';
import { MetadataKeys } from '../event.ts';
import { sortedMetadata } from './format.ts';

/**
 * `## Flux Status`, the severity icon with `Kind/namespace/name`, the message, then every metadata
 * key but `change_request` as a sorted Markdown list.
 */
export function markdownPost(event: FluxEvent): string {
  const icon = event.severity === 'error' ? '⚠️' : 'ℹ️';
  const o = event.involvedObject;
  const lines = sortedMetadata(event)
    .filter(([k]) => k !== MetadataKeys.changeRequest)
    .map(([k, v]) => `* \`${k}\`: ${v}\n`)
    .join('');
  return `## Flux Status\n\n${icon} ${o.kind}/${o.namespace}/${o.name}\n\n${event.message}\n\nMetadata:\n${lines}`;
}
