// Combines an event's metadata with an Alert's (notification-controller combineEventMetadata, RFC-0008).
import type { FluxEvent } from '../event.ts';
import { EventAnnotationGroup, MetadataKeys, objectGroup } from '../event.ts';
import type { Alert } from './types.ts';

/** Where a merged metadata key came from, lowest precedence first; the strings are Flux's. */
export const MetadataSources = {
  objectAnnotations: 'involved object annotations',
  alertEventMetadata: 'Alert object .spec.eventMetadata',
  alertSummary: 'Alert object .spec.summary',
  controller: 'involved object controller metadata',
} as const;

/** Flux's warning-event reason on the Alert when keys collide. */
export const MetadataConflictReason = 'MetadataAppendFailed';

/** A key set by more than one source; the last source listed won. */
export interface MetadataConflict {
  key: string;
  sources: string[];
}

/** The event to dispatch for one Alert, plus the key collisions the caller should report. */
export interface MergedEvent {
  event: FluxEvent;
  conflicts: MetadataConflict[];
}

/**
 * Builds the metadata a provider sees for `alert`, from lowest to highest precedence: object
 * annotations `event.toolkit.fluxcd.io/<key>` (prefix stripped) < `spec.eventMetadata` <
 * `spec.summary` (key `summary`) < controller keys `<objectGroup>/<key>` (prefix stripped, e.g.
 * `revision`). Other keys are dropped. Conflicts are returned sorted by key (Flux logs them and
 * records a `MetadataAppendFailed` warning on the Alert). Pure; the input event is not modified.
 */
export function mergeMetadata(event: FluxEvent, alert: Alert): MergedEvent {
  const metadata: Record<string, string> = {};
  const sources = new Map<string, string[]>();
  const put = (key: string, value: string, source: string): void => {
    metadata[key] = value;
    sources.set(key, [...(sources.get(key) ?? []), source]);
  };
  const raw = event.metadata ?? {};

  const annotationPrefix = `${EventAnnotationGroup}/`;
  for (const [k, v] of Object.entries(raw)) {
    if (k.startsWith(annotationPrefix)) put(k.slice(annotationPrefix.length), v, MetadataSources.objectAnnotations);
  }
  for (const [k, v] of Object.entries(alert.spec.eventMetadata ?? {})) put(k, v, MetadataSources.alertEventMetadata);
  if (alert.spec.summary) put(MetadataKeys.summary, alert.spec.summary, MetadataSources.alertSummary);
  const group = objectGroup(event);
  if (group) {
    const groupPrefix = `${group}/`;
    for (const [k, v] of Object.entries(raw)) {
      if (k.startsWith(groupPrefix)) put(k.slice(groupPrefix.length), v, MetadataSources.controller);
    }
  }

  const conflicts = [...sources.entries()]
    .filter(([, list]) => list.length > 1)
    .map(([key, list]) => ({ key, sources: list }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { event: { ...event, metadata }, conflicts };
}
