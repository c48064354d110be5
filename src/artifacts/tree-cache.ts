// Unpacked artifacts kept by digest, handed out as hard-linked copies: many consumers of one
// revision (N Kustomizations on one repository) download and unpack it once.
import { copyFile, link, lstat, mkdir, mkdtemp, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { parseDigest } from './digest.ts';
import { fetchArtifact, type FetchArtifactOptions } from './fetch.ts';

export interface ArtifactTreeCacheOptions {
  /** Directory for the unpacked trees (created; owned by this cache). */
  dir: string;
  /** Trees kept; the least recently used beyond this are removed. Default 16. */
  maxEntries?: number;
}

/**
 * Fetches, verifies and unpacks each artifact digest once, then materialises it for a consumer as a
 * tree of hard links (a copy when the file system refuses links). Consumers must replace files by
 * rename, never write into them: the render library does (temp file + rename), and kustomize only reads.
 */
export class ArtifactTreeCache {
  private readonly dir: string;
  private readonly maxEntries: number;
  private readonly pending = new Map<string, Promise<string>>();
  /** Trees in use by `withSharedTree` callers, by path: never evicted while pinned. */
  private readonly pinned = new Map<string, number>();
  private evicting: Promise<void> = Promise.resolve();

  constructor(opts: ArtifactTreeCacheOptions) {
    this.dir = opts.dir;
    this.maxEntries = opts.maxEntries ?? 16;
  }

  /** Puts the artifact's files into `dest` (an empty or missing directory). Errors are `fetchArtifact`'s. */
  async materialize(opts: FetchArtifactOptions): Promise<void> {
    const { dest, ...source } = opts;
    const linked = await this.withSharedTree(source, async (tree) => {
      await mkdir(dest, { recursive: true });
      await linkTree(tree, dest);
    });
    // Not a digest we can key on: fetchArtifact reports it (or handles it) without the cache.
    if (!linked) await fetchArtifact(opts);
  }

  /**
   * Runs `read` on the cached tree itself instead of a copy: for consumers that only read (a kustomize build
   * that writes no kustomization.yaml), so N consumers of one revision do not each recreate the whole tree,
   * which costs a file system operation per entry. The tree is kept from eviction until `read` settles.
   * Undefined (and `read` not called) when the digest cannot key the cache: the caller materializes instead.
   */
  async withSharedTree<T>(
    opts: Omit<FetchArtifactOptions, 'dest'>,
    read: (tree: string) => Promise<T>,
  ): Promise<{ value: T } | undefined> {
    const hex = parseDigest(opts.digest)?.encoded.toLowerCase();
    if (!hex || !/^[0-9a-f]{64}$/.test(hex)) return undefined;
    const final = path.join(this.dir, hex);
    const release = this.pin(final);
    try {
      const tree = await this.tree(opts, final);
      return { value: await read(tree) };
    } finally {
      release();
    }
  }

  /** Keeps `tree` from eviction until the returned function is called. */
  private pin(tree: string): () => void {
    this.pinned.set(tree, (this.pinned.get(tree) ?? 0) + 1);
    return () => {
      const left = (this.pinned.get(tree) ?? 1) - 1;
      if (left > 0) this.pinned.set(tree, left);
      else this.pinned.delete(tree);
    };
  }

  /** Removes every cached tree. */
  async clear(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }

  private async tree(opts: Omit<FetchArtifactOptions, 'dest'>, final: string): Promise<string> {
    const cached = await stat(final).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (cached) {
      const now = new Date();
      await utimes(final, now, now).catch(() => undefined);
      return final;
    }
    // Only consumers of the same URL share a download: a stale URL (a source whose address changed)
    // must not fail a consumer that holds the current one for the same digest.
    const key = `${final}\n${opts.url}`;
    let loading = this.pending.get(key);
    if (!loading) {
      loading = this.load(opts, final).finally(() => this.pending.delete(key));
      this.pending.set(key, loading);
    }
    return await loading;
  }

  private async load(opts: Omit<FetchArtifactOptions, 'dest'>, final: string): Promise<string> {
    const scratch = await this.scratch();
    try {
      await fetchArtifact({ ...opts, dest: path.join(scratch, 'tree') });
      await rename(path.join(scratch, 'tree'), final).catch(async (err: unknown) => {
        // Another download of the same digest (from another URL) got there first: its tree is identical.
        const present = await stat(final).then(
          (s) => s.isDirectory(),
          () => false,
        );
        if (!present) throw err;
      });
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
    await this.evict();
    return final;
  }

  private async scratch(): Promise<string> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    return await mkdtemp(path.join(this.dir, '.tmp-'));
  }

  /**
   * Removes the least recently used trees beyond maxEntries, never a pinned one. One eviction at a time: two
   * downloads finishing together used to race, one removing a tree while the other read its time (ENOENT,
   * failing a consumer whose artifact was fine). Eviction is housekeeping: its errors never fail a consumer.
   */
  private evict(): Promise<void> {
    const run = this.evicting.then(() => this.evictNow()).catch(() => undefined);
    this.evicting = run;
    return run;
  }

  private async evictNow(): Promise<void> {
    const entries = (await readdir(this.dir)).filter((n) => !n.startsWith('.'));
    if (entries.length <= this.maxEntries) return;
    const aged = (
      await Promise.all(
        entries.map(async (n) => {
          const info = await stat(path.join(this.dir, n)).catch(() => undefined);
          return info ? { n, t: info.mtimeMs } : undefined;
        }),
      )
    ).filter((a): a is { n: string; t: number } => a !== undefined);
    aged.sort((a, b) => a.t - b.t);
    for (const { n } of aged.slice(0, aged.length - this.maxEntries)) {
      const tree = path.join(this.dir, n);
      if (!this.pinned.has(tree)) await rm(tree, { recursive: true, force: true });
    }
  }
}

/** Recreates `src` under `dest` (which must exist): directories made, files hard-linked (copied across devices). */
export async function linkTree(src: string, dest: string): Promise<void> {
  for (const entry of await readdir(src, { withFileTypes: true })) {
    const from = path.join(src, entry.name);
    const to = path.join(dest, entry.name);
    if (entry.isDirectory()) {
      await mkdir(to, { mode: (await lstat(from)).mode & 0o777 });
      await linkTree(from, to);
    } else if (entry.isFile()) {
      await link(from, to).catch(async (err: NodeJS.ErrnoException) => {
        if (err.code !== 'EXDEV' && err.code !== 'EPERM') throw err;
        await copyFile(from, to);
      });
    }
  }
}
