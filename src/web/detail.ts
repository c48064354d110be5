// An object's page: conditions, spec, history with commit links, the inventory tree with each object's
// health, events, the source chain and the timeline — from the informer caches and in-memory logs; only
// the event list and the health of objects the engine does not cache ask the API server, each bounded.
import type { KubeObject } from '../kube/types.ts';
import type { ObjectIdentity } from '../api/inventory.ts';
import type { CachedKind, DashboardSources } from './sources.ts';
import type { DashboardEvent } from './event-log.ts';
import { capText, rowOf } from './status.ts';
import { commitUrl } from './forge.ts';
import { sourceRefOf, type NodeRef } from './graph.ts';
import { objectActivity } from './activity.ts';
import { buildInventoryTree } from './inventory-tree.ts';
import { sourceChain } from './source-chain.ts';
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

/** How long an object page waits for the API server (its events, the health of applied objects) by default. */
export const DefaultApiDeadlineMs = 3000;

export async function detail(
  src: DashboardSources,
  k: CachedKind,
  obj: KubeObject,
  timeline: RevisionTimeline,
  apiDeadlineMs = DefaultApiDeadlineMs,
): Promise<unknown> {
  const status = (obj['status'] ?? {}) as Record<string, unknown>;
  const { managedFields: _dropped, ...metadata } = obj.metadata;
  const ref = {
    apiVersion: k.apiVersion,
    kind: k.kind,
    namespace: obj.metadata.namespace ?? '',
    name: obj.metadata.name,
  };
  // The events and the inventory's reads run side by side within one deadline: a slow or failing API
  // server costs the page at most `apiDeadlineMs` and an error in words, never a hang.
  const until = Date.now() + apiDeadlineMs;
  const bounded = <T>(p: Promise<T>, what: string): Promise<T> =>
    withDeadline(p, Math.max(1, until - Date.now()), apiDeadlineMs, what);
  const [fromApi, inventory] = await Promise.all([
    src.objectEvents
      ? bounded(src.objectEvents(ref), 'the API server did not list the events').then(
          (events) => ({ events }),
          (err: unknown) => ({ error: messageOf(err) }),
        )
      : Promise.resolve({ error: 'no API server lookup' }),
    buildInventoryTree(obj, {
      cached: (id) => findCached(src, id),
      ...(src.releaseObjects
        ? {
            releaseObjects: (hr: KubeObject) =>
              bounded(src.releaseObjects!(hr), 'the API server did not return the Helm release'),
          }
        : {}),
      live: (refs) =>
        src.liveObjects
          ? bounded(src.liveObjects(refs), 'the API server did not return the objects')
          : Promise.reject(new Error('no API server lookup')),
    }),
  ]);
  let events: DashboardEvent[];
  let eventsFrom: 'api-server' | 'engine-memory' = 'api-server';
  let eventsError: string | undefined;
  if ('events' in fromApi) {
    events = fromApi.events;
  } else {
    eventsFrom = 'engine-memory';
    eventsError = fromApi.error;
    events = src.events.recent(
      50,
      (e) =>
        e.involvedObject.kind === k.kind &&
        e.involvedObject.namespace === ref.namespace &&
        e.involvedObject.name === ref.name,
    );
  }
  const repoUrl = gitUrlOf(src, k, obj);
  const row = rowOf(obj);
  const history = ((status['history'] ?? []) as { metadata?: Record<string, string> }[]).map((h) => {
    const link = commitUrl(repoUrl, h.metadata?.['revision']);
    return link ? { ...h, commitUrl: link } : h;
  });
  const revisionUrl = commitUrl(repoUrl, row.revision);
  const find = (r: NodeRef): KubeObject | undefined =>
    src.kinds.find((x) => x.kind === r.kind)?.cache.get(`${r.namespace}/${r.name}`);
  const statuses = src.commitStatuses?.list(50, { kind: k.kind, namespace: ref.namespace, name: ref.name }) ?? [];
  return capStrings({
    row,
    ...(revisionUrl ? { revisionUrl } : {}),
    metadata,
    spec: obj['spec'] ?? {},
    conditions: status['conditions'] ?? [],
    history,
    inventory,
    source: sourceRefOf(obj) ?? null,
    sourceChain: sourceChain(obj, find),
    status,
    events,
    eventsFrom,
    ...(eventsError ? { eventsError } : {}),
    timeline: timelineOf(src, obj, timeline),
    activity: objectActivity(obj, { events, statuses }),
    commitStatuses: statuses,
    drift: src.driftLog?.list(50, { kind: k.kind, namespace: ref.namespace, name: ref.name }) ?? [],
  });
}

/** A Flux object of a kind the engine serves, from its cache. */
function findCached(src: DashboardSources, id: ObjectIdentity): KubeObject | undefined {
  return src.kinds
    .find((x) => x.kind === id.kind && x.apiVersion.startsWith(`${id.group}/`))
    ?.cache.get(`${id.namespace}/${id.name}`);
}

/**
 * `p`, or a rejection saying `what` did not happen within the page's deadline once `ms` have passed
 * (the request itself ends on its own timeout).
 */
function withDeadline<T>(p: Promise<T>, ms: number, deadlineMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${deadlineMs / 1000} s`)), ms);
  });
  return Promise.race([p, expired]).finally(() => clearTimeout(timer));
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

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
