// The reads an object page makes of the API server: its Kubernetes Events, the in-cluster copies of the
// objects an applier applied (for their health) and the objects of a HelmRelease's current Helm release.
// Each is bounded by the page's deadline in detail.ts; none returns more than events, identities and health.
import { storageNamespaceOf, type HelmRelease } from '../api/helm-release.ts';
import { ClusterReader } from '../apply/cluster-reader.ts';
import { mapSettled } from '../apply/pool.ts';
import { manifestObjects } from '../helm/manifest.ts';
import { decodeRelease } from '../helm/release-storage.ts';
import type { KubeClient } from '../kube/client.ts';
import type { KubeObject, ObjectRef } from '../kube/types.ts';
import type { DashboardEvent } from './event-log.ts';
import { refKey, type Entry } from './inventory-tree.ts';

/** Events an object page lists at most. */
const ObjectEventsLimit = 50;

/** One object's Kubernetes Events, newest first, at most 50 (one LIST with a field selector). */
export function objectEventsReader(
  client: KubeClient,
): (ref: { kind: string; namespace: string; name: string }) => Promise<DashboardEvent[]> {
  return async (ref) => {
    const list = await client.list<KubeObject>('v1', 'Event', {
      namespace: ref.namespace,
      fieldSelector: `involvedObject.kind=${ref.kind},involvedObject.name=${ref.name}`,
      limit: ObjectEventsLimit,
    });
    return list.items
      .map((e) => kubeEvent(e))
      .sort((a, b) => b.timestamp.localeCompare(a.timestamp))
      .slice(0, ObjectEventsLimit);
  };
}

function kubeEvent(e: KubeObject): DashboardEvent {
  const ev = e as KubeObject & {
    type?: string;
    reason?: string;
    message?: string;
    count?: number;
    lastTimestamp?: string;
    eventTime?: string;
    firstTimestamp?: string;
    involvedObject?: { kind?: string; namespace?: string; name?: string };
  };
  const revision = Object.entries(e.metadata.annotations ?? {}).find(([k]) => k.endsWith('/revision'))?.[1];
  const message = ev.message ?? '';
  return {
    type: ev.type === 'Warning' ? 'Warning' : 'Normal',
    reason: ev.reason ?? '',
    message: message.length > 4000 ? `${message.slice(0, 4000)}…` : message,
    timestamp: ev.lastTimestamp ?? ev.eventTime ?? ev.firstTimestamp ?? e.metadata.creationTimestamp ?? '',
    involvedObject: {
      kind: ev.involvedObject?.kind ?? '',
      namespace: ev.involvedObject?.namespace ?? '',
      name: ev.involvedObject?.name ?? '',
    },
    ...(revision ? { revision } : {}),
    ...(ev.count ? { count: ev.count } : {}),
  };
}

/** Reads objects with one LIST per large (kind, namespace) group and a GET for the rest. */
export function liveObjectsReader(client: KubeClient): (refs: ObjectRef[]) => Promise<Map<string, KubeObject | null>> {
  return async (refs) => {
    const snapshot = await new ClusterReader({ client, listThreshold: 4 }).snapshot(refs);
    const results = await mapSettled(refs, (r) => snapshot.get(r), 8);
    const out = new Map<string, KubeObject | null>();
    let firstError: unknown;
    results.forEach((r, i) => {
      if (r.error !== undefined) firstError ??= r.error;
      else out.set(refKey(refs[i]!), r.value ?? null);
    });
    if (out.size === 0 && firstError !== undefined)
      throw firstError instanceof Error ? firstError : new Error(String(firstError));
    return out;
  };
}

/**
 * The objects of a HelmRelease's current release: its newest `status.history` snapshot names the
 * release and version, whose Helm storage Secret holds the manifest. Empty when nothing was released.
 * Read only for a HelmRelease without `status.inventory` (released before the engine wrote one).
 */
export function helmReleaseObjectsReader(client: KubeClient): (hr: KubeObject) => Promise<Entry[]> {
  return async (obj) => {
    const hr = obj as unknown as HelmRelease;
    const latest = hr.status?.history?.[0];
    if (!latest) return [];
    const storage = hr.status?.storageNamespace || storageNamespaceOf(hr);
    const secret = await client.get<KubeObject & { data?: Record<string, string> }>({
      apiVersion: 'v1',
      kind: 'Secret',
      namespace: storage,
      name: `sh.helm.release.v1.${latest.name}.v${latest.version}`,
    });
    const data = secret?.data?.['release'];
    if (!data) return [];
    const rel = decodeRelease(data);
    const objects = await manifestObjects(client, rel.manifest ?? '', rel.namespace);
    return objects.map((o) => {
      const slash = o.apiVersion.indexOf('/');
      return {
        group: slash < 0 ? '' : o.apiVersion.slice(0, slash),
        version: slash < 0 ? o.apiVersion : o.apiVersion.slice(slash + 1),
        kind: o.kind,
        namespace: o.metadata.namespace ?? '',
        name: o.metadata.name,
      };
    });
  };
}
