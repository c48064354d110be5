import type { KubeClient } from '../kube/client.ts';
import { isGone } from '../kube/errors.ts';
import type { KubeObject } from '../kube/types.ts';
import type { Logger } from './logger.ts';
import { abortableSleep } from './sleep.ts';

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

  constructor(opts: InformerOptions) {
    this.opts = opts;
  }

  get kind(): string {
    return this.opts.kind;
  }

  get apiVersion(): string {
    return this.opts.apiVersion;
  }

  addHandlers(h: InformerHandlers<T>): void {
    this.handlers.push(h);
    if (this.synced) for (const o of this.store.values()) h.onAdd?.(o);
  }

  get(key: string): T | undefined {
    return this.store.get(key);
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
        await sleep(Math.min(30_000, 1000 * 2 ** Math.min(failures - 1, 5)), signal);
      }
    }
  }

  private async relist(): Promise<string> {
    const list = await this.opts.client.list<T>(this.opts.apiVersion, this.opts.kind, {
      namespace: this.opts.namespace,
      labelSelector: this.opts.labelSelector,
      metadataOnly: this.opts.metadataOnly,
    });
    const seen = new Set<string>();
    for (const obj of list.items) {
      seen.add(keyOf(obj));
      this.apply('MODIFIED', obj);
    }
    for (const [key, obj] of [...this.store]) {
      if (!seen.has(key)) {
        this.store.delete(key);
        for (const h of this.handlers) h.onDelete?.(obj);
      }
    }
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
    return list.resourceVersion;
  }

  private apply(type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: T): void {
    const key = keyOf(obj);
    const old = this.store.get(key);
    if (type === 'DELETED') {
      this.store.delete(key);
      for (const h of this.handlers) h.onDelete?.(obj);
      return;
    }
    if (old && old.metadata.resourceVersion === obj.metadata.resourceVersion) return;
    this.store.set(key, obj);
    for (const h of this.handlers) {
      if (old) h.onUpdate?.(old, obj);
      else h.onAdd?.(obj);
    }
  }
}
