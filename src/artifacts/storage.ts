// On-disk artifact storage laid out like source-controller's: <kind>/<namespace>/<name>/<file>.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sha256Digest } from './digest.ts';
import { StorageError, errnoCode } from './errors.ts';

/** A stored artifact as reported in a source's `status.artifact` (fluxcd/pkg `apis/meta/artifact.go`). */
export interface Artifact {
  /** Storage-relative path `<lowercase kind>/<namespace>/<name>/<filename>`. */
  path: string;
  /** Where consumers download it: `<advertiseBaseUrl>/<path>`. */
  url: string;
  /** Source revision, e.g. `main@sha1:<hex>`. */
  revision: string;
  /** `sha256:<hex>` of the stored file. */
  digest: string;
  /** Kubernetes time (RFC 3339, second precision) of the write. */
  lastUpdateTime: string;
  /** File size in bytes. */
  size?: number;
  /** Free-form metadata, e.g. OCI annotations. */
  metadata?: Record<string, string>;
}

/** Options of `ArtifactStorage`. */
export interface ArtifactStorageOptions {
  /** Directory holding all artifacts (Flux `--storage-path`). */
  root: string;
  /** Base of artifact URLs, e.g. `http://127.0.0.1:9090` (Flux `--storage-adv-addr`); a trailing `/` is ignored. */
  advertiseBaseUrl: string;
  /** Files kept per object by `garbageCollect`, the current one included (default 2, Flux `--artifact-retention-records`). */
  retentionRecords?: number;
  /** Clock for `lastUpdateTime` (default `() => new Date()`). */
  now?: () => Date;
}

/** Input of `ArtifactStorage.store`. */
export interface StoreRequest {
  kind: string;
  namespace: string;
  name: string;
  filename: string;
  data: Buffer;
  revision: string;
  metadata?: Record<string, string>;
}

const TEMP_PREFIX = '.tmp-';

/** Stores, locates and garbage-collects artifact files under one root; every path is checked against traversal. */
export class ArtifactStorage {
  readonly root: string;
  readonly advertiseBaseUrl: string;
  readonly retentionRecords: number;
  private readonly now: () => Date;

  constructor(opts: ArtifactStorageOptions) {
    this.root = path.resolve(opts.root);
    this.advertiseBaseUrl = opts.advertiseBaseUrl.replace(/\/+$/, '');
    this.retentionRecords = Math.max(1, opts.retentionRecords ?? 2);
    this.now = opts.now ?? (() => new Date());
  }

  /** Returns `<lowercase kind>/<namespace>/<name>/<filename>`; throws `StorageError` if a part is not a plain name. */
  artifactPath(kind: string, namespace: string, name: string, filename: string): string {
    return [kind.toLowerCase(), namespace, name, filename].map(checkSegment).join('/');
  }

  /** Writes the artifact atomically (temp file + rename in the same directory) and returns its status record. */
  async store(req: StoreRequest): Promise<Artifact> {
    const relPath = this.artifactPath(req.kind, req.namespace, req.name, req.filename);
    const target = this.localPath(relPath);
    const dir = path.dirname(target);
    const temp = path.join(dir, `${TEMP_PREFIX}${randomBytes(8).toString('hex')}-${req.filename}`);
    try {
      await mkdir(dir, { recursive: true });
      await writeFile(temp, req.data, { mode: 0o600, flag: 'wx' });
      await rename(temp, target);
    } catch (err) {
      await rm(temp, { force: true });
      throw new StorageError(`cannot store artifact "${relPath}": ${(err as Error).message}`, { cause: err });
    }
    const artifact: Artifact = {
      path: relPath,
      url: this.urlOf(relPath),
      revision: req.revision,
      digest: sha256Digest(req.data),
      lastUpdateTime: kubernetesTime(this.now()),
      size: req.data.length,
    };
    if (req.metadata !== undefined) artifact.metadata = { ...req.metadata };
    return artifact;
  }

  /** The URL consumers download `relPath` from, at this storage's advertised address. */
  urlOf(relPath: string): string {
    return `${this.advertiseBaseUrl}/${relPath}`;
  }

  /** True when the artifact's file exists and, if the record has a size, the size matches. */
  async has(artifact: Pick<Artifact, 'path' | 'size'>): Promise<boolean> {
    try {
      const info = await stat(this.localPath(artifact.path));
      return info.isFile() && (artifact.size === undefined || info.size === artifact.size);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return false;
      throw err;
    }
  }

  /**
   * Keeps `keepPath` plus the newest other files of the object up to `retentionRecords` in total and
   * deletes the rest (oldest by mtime first); returns the deleted storage paths.
   */
  async garbageCollect(kind: string, namespace: string, name: string, keepPath: string): Promise<string[]> {
    const dirRel = this.objectDir(kind, namespace, name);
    const dir = this.localPath(dirRel);
    const files = await this.listFiles(dir);
    const candidates = files.filter((f) => `${dirRel}/${f.name}` !== keepPath);
    // Newest first; the name breaks ties so the outcome does not depend on readdir order.
    candidates.sort((a, b) => b.mtimeMs - a.mtimeMs || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const keepOthers = files.length === candidates.length ? this.retentionRecords : this.retentionRecords - 1;
    const deleted: string[] = [];
    for (const file of candidates.slice(keepOthers)) {
      try {
        await unlink(path.join(dir, file.name));
      } catch (err) {
        if (errnoCode(err) === 'ENOENT') continue; // Already gone: a concurrent GC got there first.
        throw new StorageError(`cannot delete artifact "${dirRel}/${file.name}": ${(err as Error).message}`, {
          cause: err,
        });
      }
      deleted.push(`${dirRel}/${file.name}`);
    }
    return deleted;
  }

  /** Deletes every file of the object (on object deletion); missing directories are fine. */
  async removeAll(kind: string, namespace: string, name: string): Promise<void> {
    const dirRel = this.objectDir(kind, namespace, name);
    try {
      await rm(this.localPath(dirRel), { recursive: true, force: true });
    } catch (err) {
      throw new StorageError(`cannot remove artifacts in "${dirRel}": ${(err as Error).message}`, { cause: err });
    }
  }

  /** Absolute path of a storage-relative path; throws `StorageError` for absolute, `..`, backslash or NUL paths. */
  localPath(relPath: string): string {
    if (relPath === '' || relPath.includes('\0') || relPath.includes('\\') || relPath.startsWith('/')) {
      throw new StorageError(
        `invalid artifact path "${sanitize(relPath)}": must be a relative path inside the storage root`,
      );
    }
    if (relPath.split('/').some((part) => part === '..')) {
      throw new StorageError(`invalid artifact path "${sanitize(relPath)}": ".." is not allowed`);
    }
    const abs = path.resolve(this.root, relPath);
    if (abs !== this.root && !abs.startsWith(this.root + path.sep)) {
      throw new StorageError(`invalid artifact path "${sanitize(relPath)}": resolves outside the storage root`);
    }
    return abs;
  }

  private objectDir(kind: string, namespace: string, name: string): string {
    return [kind.toLowerCase(), namespace, name].map(checkSegment).join('/');
  }

  private async listFiles(dir: string): Promise<{ name: string; mtimeMs: number }[]> {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return [];
      throw new StorageError(`cannot list artifacts in "${dir}": ${(err as Error).message}`, { cause: err });
    }
    const files: { name: string; mtimeMs: number }[] = [];
    for (const name of names) {
      // In-flight temp files belong to a concurrent store; leave them to it.
      if (name.startsWith(TEMP_PREFIX)) continue;
      const info = await stat(path.join(dir, name)).catch((err: unknown) => {
        if (errnoCode(err) === 'ENOENT') return undefined;
        throw err;
      });
      if (info?.isFile()) files.push({ name, mtimeMs: info.mtimeMs });
    }
    return files;
  }
}

function checkSegment(segment: string): string {
  if (segment === '' || segment === '.' || segment === '..' || /[/\\\0]/.test(segment)) {
    throw new StorageError(
      `invalid artifact path segment "${sanitize(segment)}": must be a non-empty name without "/", "\\" or ".."`,
    );
  }
  return segment;
}

function sanitize(value: string): string {
  // eslint-disable-next-line no-control-regex -- strip control characters before echoing input into errors
  return value.replace(/[\u0000-\u001f]/g, '?').slice(0, 256);
}

/** RFC 3339 with second precision, as Kubernetes serialises metav1.Time. */
function kubernetesTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
