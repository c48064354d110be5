// What was last applied to each object, so that a reconcile can skip objects nothing has touched since.
import { createHash } from 'node:crypto';
import { describeRef, type KubeObject, type ObjectRef } from '../kube/types.ts';

/** The live resourceVersion of an object as a watch cache sees it; `undefined` when unknown. */
export type LiveResourceVersion = (ref: ObjectRef) => string | undefined;

const keyOf = (ref: ObjectRef): string => `${ref.apiVersion}|${describeRef(ref)}`;

/** sha256 of an object prepared for apply (key order is the prepared object's, which is deterministic). */
export function desiredHash(desired: KubeObject): string {
  return createHash('sha256').update(JSON.stringify(desired)).digest('hex');
}

/**
 * Remembers, per object, the hash of the desired content last applied (or found unchanged by a
 * dry-run) and the resourceVersion the object had right after. An object is known unchanged when its
 * desired hash is the same and the watch cache still shows that resourceVersion: no one (Driftless
 * included) has written it since, so a dry-run would find nothing to do. Anything else (no entry, a
 * cache that has not caught up, an edit by someone else, a status update) means "plan it as usual".
 * Memory only: a restart starts empty and plans everything, so correctness never depends on it.
 */
export class AppliedMemory {
  private readonly live: LiveResourceVersion;
  private readonly entries = new Map<string, { hash: string; resourceVersion: string }>();
  private readonly maxEntries: number;

  constructor(opts: { live: LiveResourceVersion; maxEntries?: number }) {
    this.live = opts.live;
    this.maxEntries = opts.maxEntries ?? 200_000;
  }

  /** True when `desired` is what was last applied to `ref` and the object has not changed since. */
  unchanged(ref: ObjectRef, hash: string): boolean {
    const entry = this.entries.get(keyOf(ref));
    if (!entry || entry.hash !== hash) return false;
    return this.live(ref) === entry.resourceVersion;
  }

  /** Records the desired hash and the resourceVersion the object has after this reconcile's apply. */
  remember(ref: ObjectRef, hash: string, resourceVersion: string | undefined): void {
    const key = keyOf(ref);
    if (!resourceVersion) {
      this.entries.delete(key);
      return;
    }
    if (this.entries.size >= this.maxEntries && !this.entries.has(key)) this.entries.clear();
    this.entries.set(key, { hash, resourceVersion });
  }

  /** Forgets an object (pruned, or its apply failed). */
  forget(ref: ObjectRef): void {
    this.entries.delete(keyOf(ref));
  }

  get size(): number {
    return this.entries.size;
  }
}
