// Built manifests kept by their inputs, so an unchanged source and spec is not rebuilt on every reconcile.
import { createHash } from 'node:crypto';
import { SizedLru } from '../util/sized-lru.ts';
import type { KubeObject } from './types.ts';

/** What a cached build gives back: fresh objects (the caller may change them) and the build's digest. */
export type CachedBuild = { objects: KubeObject[]; digest: string };

/**
 * The last builds, keyed by everything a build depends on (see {@link buildCacheKey}). A kustomize build of a
 * thousand objects costs seconds of CPU (the kustomize process, then parsing its output and the guard's
 * parse of the inputs); its result depends only on those inputs, so an interval reconcile of an unchanged
 * revision reuses it. Entries are kept as JSON text (compact, and parsed into fresh objects for each use),
 * least recently used first out once `maxBytes` is exceeded. Memory only: a restart builds again.
 */
export class BuildCache {
  private readonly entries: SizedLru<{ json: string; digest: string }>;

  constructor(opts: { maxBytes?: number } = {}) {
    this.entries = new SizedLru(opts.maxBytes ?? 32 * 2 ** 20, (e) => e.json.length);
  }

  /** The build stored under `key` as fresh objects, or `undefined`. */
  get(key: string): CachedBuild | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    return { objects: JSON.parse(entry.json) as KubeObject[], digest: entry.digest };
  }

  /** Stores a build (a copy of it); one larger than the whole cache is not kept. */
  set(key: string, build: CachedBuild): void {
    this.entries.set(key, { json: JSON.stringify(build.objects), digest: build.digest });
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * A key naming every input of a build: the artifact's content digest (not its revision: an included repository can
 * change the content under the same revision), the path, the spec fields kustomize sees, the binary and whether
 * remote bases are allowed. Key order of `inputs` matters; callers build it the same way every time.
 */
export function buildCacheKey(inputs: Record<string, unknown>): string {
  return createHash('sha256').update(JSON.stringify(inputs)).digest('hex');
}
