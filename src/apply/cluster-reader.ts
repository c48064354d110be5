import type { KubeClient } from '../kube/client.ts';
import type { KubeObject, ObjectRef } from '../kube/types.ts';
import { mapSettled } from './pool.ts';

/** Reads the in-cluster copy of one object; `undefined` when it does not exist. */
export interface ObjectSource {
  get(ref: ObjectRef): Promise<KubeObject | undefined>;
}

export interface ClusterReaderOptions {
  client: Pick<KubeClient, 'get' | 'list' | 'resource'>;
  /** Groups (apiVersion, kind, namespace) with at least this many objects are read with one LIST (default 8). */
  listThreshold?: number;
  /** Parallel LISTs (default 4). */
  concurrency?: number;
}

const groupKey = (ref: ObjectRef): string => `${ref.apiVersion}\n${ref.kind}\n${ref.namespace ?? ''}`;

/**
 * Reads many objects with few requests, like kstatus' caching cluster reader: `snapshot(refs)`
 * LISTs each large (apiVersion, kind, namespace) group once and GETs the objects of small groups
 * on demand. A group that cannot be listed (no `list` verb, 403 for the identity, any other error)
 * is read with one GET per object instead, so the per-object errors and NotFound semantics stay
 * those of GET; groups refused once are not listed again by the same reader.
 */
export class ClusterReader {
  private readonly client: ClusterReaderOptions['client'];
  private readonly listThreshold: number;
  private readonly concurrency: number;
  private readonly unlistable = new Set<string>();

  constructor(opts: ClusterReaderOptions) {
    this.client = opts.client;
    this.listThreshold = opts.listThreshold ?? 8;
    this.concurrency = opts.concurrency ?? 4;
  }

  /** The current state of `refs`: large groups listed now, the rest read by GET when asked for. */
  async snapshot(refs: readonly ObjectRef[], signal?: AbortSignal): Promise<ObjectSource> {
    const groups = new Map<string, ObjectRef>();
    const sizes = new Map<string, number>();
    for (const ref of refs) {
      const key = groupKey(ref);
      sizes.set(key, (sizes.get(key) ?? 0) + 1);
      groups.set(key, ref);
    }
    const toList = [...groups].filter(([key]) => (sizes.get(key) ?? 0) >= this.listThreshold);
    const listed = new Map<string, Map<string, KubeObject>>();
    await mapSettled(
      toList,
      async ([key, ref]) => {
        signal?.throwIfAborted();
        const items = await this.listGroup(key, ref);
        if (items) listed.set(key, items);
      },
      this.concurrency,
    );
    signal?.throwIfAborted();
    return {
      get: async (ref) => {
        const group = listed.get(groupKey(ref));
        return group ? group.get(ref.name) : await this.client.get(ref);
      },
    };
  }

  // Any failure means "read this group by GET": a refused or unsupported LIST must not fail objects
  // that a GET can read, and a real outage then shows up per object exactly as before.
  private async listGroup(key: string, ref: ObjectRef): Promise<Map<string, KubeObject> | undefined> {
    if (this.unlistable.has(key)) return undefined;
    try {
      const info = await this.client.resource(ref.apiVersion, ref.kind);
      // A namespaced kind without a namespace would list every namespace and match foreign names.
      if (!info.verbs.includes('list') || (info.namespaced && !ref.namespace)) {
        this.unlistable.add(key);
        return undefined;
      }
      const list = await this.client.list(ref.apiVersion, ref.kind, ref.namespace ? { namespace: ref.namespace } : {});
      return new Map(list.items.map((o) => [o.metadata.name, o]));
    } catch (err) {
      if ((err as { status?: number }).status === 403) this.unlistable.add(key);
      return undefined;
    }
  }
}
