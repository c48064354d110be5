import type { KubeClient } from '../kube/client.ts';
import { isGone, KubeApiError } from '../kube/errors.ts';
import type { KubeObject } from '../kube/types.ts';
import type { Logger } from './logger.ts';
import { backoffDelay } from '../util/retry.ts';
import { abortableSleep } from '../util/sleep.ts';

export interface InformerHandlers<T extends KubeObject> {
  onAdd?(obj: T): void;
  onUpdate?(oldObj: T, newObj: T): void;
  onDelete?(obj: T): void;
}

export interface InformerOptions {
  client: KubeClient;
  apiVersion: string;
  kind: string;
  namespace?: string;
  labelSelector?: string;
  metadataOnly?: boolean;
  logger: Logger;
  /** Waits between failed list/watch attempts: 1 s doubling to 30 s. Injectable for tests. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** `namespace/name` (or `name`), the key used by caches and work queues. */
export const keyOf = (obj: { metadata: { name: string; namespace?: string | undefined } }): string =>
  obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : obj.metadata.name;

/**
 * A list-then-watch cache of one kind. Resumes watches from the last resourceVersion, relists on
 * 410 Gone (and reconciles the store against the fresh list), and backs off on errors.
 */
export class Informer<T extends KubeObject = KubeObject> {
  private readonly opts: InformerOptions;
  private readonly store = new Map<string, T>();
  private readonly handlers: InformerHandlers<T>[] = [];
  private synced = false;
  private syncWaiters: (() => void)[] = [];
  /** Index name → (index value → keys), and how each index derives values from an object. */
  private readonly indexes = new Map<string, { of: (obj: T) => string[]; keys: Map<string, Set<string>> }>();

  constructor(opts: InformerOptions) {
    this.opts = opts;
  }

  get kind(): string {
    return this.opts.kind;
  }

  get apiVersion(): string {
    return this.opts.apiVersion;
  }

  /** The namespace watched; undefined: all. */
  get namespace(): string | undefined {
    return this.opts.namespace;
  }

  /** The label selector sent with list and watch; undefined: none. */
  get labelSelector(): string | undefined {
    return this.opts.labelSelector;
  }

  addHandlers(h: InformerHandlers<T>): void {
    this.handlers.push(h);
    if (this.synced) for (const o of this.store.values()) h.onAdd?.(o);
  }

  get(key: string): T | undefined {
    return this.store.get(key);
  }

  /**
   * Adds an index: `of` derives the values an object is found under (e.g. its source reference), so a
   * lookup costs the matches, not a scan of the cache. Add indexes before the informer runs.
   */
  addIndex(name: string, of: (obj: T) => string[]): void {
    const index = { of, keys: new Map<string, Set<string>>() };
    this.indexes.set(name, index);
    for (const [key, obj] of this.store) this.indexObject(index, key, obj);
  }

  /** The keys of the cached objects an index maps `value` to; throws for an unknown index. */
  keysByIndex(name: string, value: string): string[] {
    const index = this.indexes.get(name);
    if (!index) throw new Error(`informer ${this.opts.kind}: no index named ${name}`);
    return [...(index.keys.get(value) ?? [])];
  }

  list(): T[] {
    return [...this.store.values()];
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves after the first complete list. */
  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((r) => this.syncWaiters.push(r));
  }

  /** Runs until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const sleep = this.opts.sleep ?? abortableSleep;
    let failures = 0;
    let resourceVersion = '';
    while (!signal.aborted) {
      try {
        if (!resourceVersion) resourceVersion = await this.relist();
        await this.opts.client.watch(this.opts.apiVersion, this.opts.kind, {
          namespace: this.opts.namespace,
          labelSelector: this.opts.labelSelector,
          metadataOnly: this.opts.metadataOnly,
          resourceVersion,
          signal,
          onEvent: (e) => {
            const rv = e.object.metadata.resourceVersion;
            if (rv) resourceVersion = rv;
            if (e.type !== 'BOOKMARK') this.apply(e.type, e.object as T);
          },
        });
        failures = 0;
      } catch (err) {
        if (signal.aborted) return;
        if (isGone(err)) {
          resourceVersion = '';
          continue;
        }
        failures++;
        this.opts.logger.warn({ kind: this.opts.kind, err: String(err) }, 'list/watch failed; retrying');
        resourceVersion = '';
        // A throttled watch says when to come back; otherwise back off.
        const retryAfter = err instanceof KubeApiError ? err.retryAfterMs : undefined;
        await sleep(retryAfter ?? backoffDelay(failures, { baseDelayMs: 1000, maxDelayMs: 30_000 }), signal);
      }
    }
  }

  /**
   * A consistent list (every object written before it, so a synced cache holds what existed at start) in one
   * answer, not pages of 500: an API server with ConsistentListFromCache (on by default since Kubernetes 1.31)
   * serves it from its watch cache, while each further page costs a round trip and a read. A stale list from
   * the cache (resourceVersion 0, client-go's first list) was tried: right after a write it can miss the object.
   */
  private async relist(): Promise<string> {
    const list = await this.opts.client.list<T>(this.opts.apiVersion, this.opts.kind, {
      namespace: this.opts.namespace,
      labelSelector: this.opts.labelSelector,
      metadataOnly: this.opts.metadataOnly,
      limit: 0,
    });
    const seen = new Set<string>();
    for (const obj of list.items) {
      seen.add(keyOf(obj));
      this.apply('MODIFIED', obj);
    }
    for (const [key, obj] of [...this.store]) {
      if (!seen.has(key)) {
        this.replace(key, undefined, obj);
        for (const h of this.handlers) h.onDelete?.(obj);
      }
    }
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
    return list.resourceVersion;
  }

  private indexObject(index: { of: (obj: T) => string[]; keys: Map<string, Set<string>> }, key: string, obj: T): void {
    for (const value of index.of(obj)) {
      let keys = index.keys.get(value);
      if (!keys) index.keys.set(value, (keys = new Set()));
      keys.add(key);
    }
  }

  private unindexObject(key: string, obj: T): void {
    for (const index of this.indexes.values()) {
      for (const value of index.of(obj)) {
        const keys = index.keys.get(value);
        keys?.delete(key);
        if (keys?.size === 0) index.keys.delete(value);
      }
    }
  }

  private replace(key: string, obj: T | undefined, old: T | undefined): void {
    if (old) this.unindexObject(key, old);
    if (obj) {
      this.store.set(key, obj);
      for (const index of this.indexes.values()) this.indexObject(index, key, obj);
    } else this.store.delete(key);
  }

  private apply(type: 'ADDED' | 'MODIFIED' | 'DELETED', received: T): void {
    const obj = withoutFieldTrees(received);
    const key = keyOf(obj);
    const old = this.store.get(key);
    if (type === 'DELETED') {
      this.replace(key, undefined, old);
      for (const h of this.handlers) h.onDelete?.(obj);
      return;
    }
    if (old && old.metadata.resourceVersion === obj.metadata.resourceVersion) return;
    this.replace(key, obj, old);
    for (const h of this.handlers) {
      if (old) h.onUpdate?.(old, obj);
      else h.onAdd?.(obj);
    }
  }
}

/**
 * The object as cached: its managedFields entries keep who wrote it and when (manager, operation, time,
 * subresource) but not their `fieldsV1` trees, which are most of an object's metadata (on a Deployment,
 * more than the rest of it) and are never read from a cache: what reads them (drift exclusions, manager
 * clean-up) reads the live object.
 */
function withoutFieldTrees<T extends KubeObject>(obj: T): T {
  const entries = obj.metadata.managedFields;
  if (!entries?.some((e) => 'fieldsV1' in e)) return obj;
  const managedFields = entries.map(({ fieldsV1: _tree, ...entry }) => entry);
  return { ...obj, metadata: { ...obj.metadata, managedFields } };
}
