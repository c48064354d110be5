// An object's page: conditions, spec, history with commit links, inventory, events, source — from the
// informer caches; only the event list asks the API server (one bounded request).
import type { KubeObject } from '../kube/types.ts';
import { parseInventoryId } from '../api/inventory.ts';
import type { CachedKind, DashboardSources } from './sources.ts';
import type { DashboardEvent } from './event-log.ts';
import { capText, rowOf, statusOf } from './status.ts';
import { commitUrl } from './forge.ts';
import { sourceRefOf } from './graph.ts';
import type { RevisionTimeline, TimelineRow } from './timeline.ts';

/** The delivery timeline of a Kustomization (a HelmRelease's history has no source revisions); empty for other kinds. */
function timelineOf(src: DashboardSources, obj: KubeObject, timeline: RevisionTimeline): TimelineRow[] {
  if (obj.kind !== 'Kustomization') return [];
  const ref = sourceRefOf(obj);
  const source = ref
    ? src.kinds.find((x) => x.kind === ref.kind)?.cache.get(`${ref.namespace}/${ref.name}`)
    : undefined;
  return timeline.rows(obj, source);
}

/** Longest string an object page returns; a 10 MB status message is cut to this. */
export const DetailStringChars = 64 * 1024;

export async function detail(
  src: DashboardSources,
  k: CachedKind,
  obj: KubeObject,
  timeline: RevisionTimeline,
): Promise<unknown> {
  const status = (obj['status'] ?? {}) as Record<string, unknown>;
  const { managedFields: _dropped, ...metadata } = obj.metadata;
  const ref = {
    apiVersion: k.apiVersion,
    kind: k.kind,
    namespace: obj.metadata.namespace ?? '',
    name: obj.metadata.name,
  };
  let events: DashboardEvent[];
  let eventsFrom: 'api-server' | 'engine-memory' = 'api-server';
  try {
    if (!src.objectEvents) throw new Error('no API lookup');
    events = await src.objectEvents(ref);
  } catch {
    eventsFrom = 'engine-memory';
    events = src.events.recent(
      50,
      (e) =>
        e.involvedObject.kind === k.kind &&
        e.involvedObject.namespace === ref.namespace &&
        e.involvedObject.name === ref.name,
    );
  }
  const entries = ((status['inventory'] as { entries?: { id: string; v: string }[] } | undefined)?.entries ?? []).map(
    (e) => {
      try {
        const id = parseInventoryId(e.id);
        // A Flux object the engine serves (a nested Kustomization, a source) carries its status from the cache.
        const nested = src.kinds
          .find((x) => x.kind === id.kind && x.apiVersion.startsWith(`${id.group}/`))
          ?.cache.get(`${id.namespace}/${id.name}`);
        return { ...id, version: e.v, ...(nested ? { status: statusOf(nested) } : {}) };
      } catch {
        return { id: e.id, version: e.v };
      }
    },
  );
  const repoUrl = gitUrlOf(src, k, obj);
  const row = rowOf(obj);
  const history = ((status['history'] ?? []) as { metadata?: Record<string, string> }[]).map((h) => {
    const link = commitUrl(repoUrl, h.metadata?.['revision']);
    return link ? { ...h, commitUrl: link } : h;
  });
  const revisionUrl = commitUrl(repoUrl, row.revision);
  return capStrings({
    row,
    ...(revisionUrl ? { revisionUrl } : {}),
    metadata,
    spec: obj['spec'] ?? {},
    conditions: status['conditions'] ?? [],
    history,
    inventory: entries,
    source: sourceRefOf(obj) ?? null,
    status,
    events,
    eventsFrom,
    timeline: timelineOf(src, obj, timeline),
    drift: src.driftLog?.list(50, { kind: k.kind, namespace: ref.namespace, name: ref.name }) ?? [],
  });
}

/** The Git URL an object's revisions come from: its own (GitRepository) or its GitRepository source's. */
function gitUrlOf(src: DashboardSources, k: CachedKind, obj: KubeObject): string | undefined {
  const spec = (obj['spec'] ?? {}) as {
    url?: string;
    sourceRef?: { kind?: string; name?: string; namespace?: string };
  };
  if (k.kind === 'GitRepository') return spec.url;
  const ref = spec.sourceRef;
  if (ref?.kind !== 'GitRepository' || !ref.name) return undefined;
  const source = src.kinds
    .find((x) => x.kind === 'GitRepository')
    ?.cache.get(`${ref.namespace ?? obj.metadata.namespace}/${ref.name}`);
  return (source?.['spec'] as { url?: string } | undefined)?.url;
}

/** Copies `v` with every string longer than DetailStringChars cut. */
function capStrings(v: unknown): unknown {
  if (typeof v === 'string') return capText(v, DetailStringChars);
  if (Array.isArray(v)) return v.map(capStrings);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, capStrings(x)]));
  return v;
}
