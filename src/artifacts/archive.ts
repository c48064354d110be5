// Deterministic tar.gz of a source directory: same tree in, same bytes (and digest) out.
import { constants as fsConstants } from 'node:fs';
import type { ReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';
import type { Pack } from 'tar-stream';
import { ArchiveError } from './errors.ts';
import type { IgnoreMatcher } from './ignore.ts';
import { walkTree } from './tree-walk.ts';
import type { TreeEntry } from './tree-walk.ts';

type FileEntry = Extract<TreeEntry, { type: 'file' }>;
type Writable = ReturnType<Pack['entry']>;

/** Normalised modes written into archives, the ones Flux's storage uses (`DefaultFileMode` etc. in fluxcd/pkg). */
export const ArchiveMode = { file: 0o600, executable: 0o700, directory: 0o750 } as const;

/** Default caps of `archiveDirectory`. */
export const ARCHIVE_DEFAULTS = {
  /** A single manifest above 10 MiB is far past what the API server stores (about 1.5 MiB per object). */
  maxFileBytes: 10 * 1024 * 1024,
  /** Matches Flux's 100 MiB download/untar limit on the consumer side, so what we produce can be consumed. */
  maxTotalBytes: 100 * 1024 * 1024,
  /** Files plus directories; far above real config repos, low enough that 100k-file trees fail clearly. */
  maxFiles: 50_000,
} as const;

/** Options of `archiveDirectory`. */
export interface ArchiveOptions {
  /** Directory to archive; its contents become the archive root (no `./` prefix, no root entry). */
  dir: string;
  /** Exclusion rules, usually from `buildIgnoreMatcher`; nothing is excluded when omitted. */
  ignore?: IgnoreMatcher;
  /** Largest single file in bytes (default 10 MiB). */
  maxFileBytes?: number;
  /** Largest sum of file sizes in bytes (default 100 MiB). */
  maxTotalBytes?: number;
  /** Most files plus directories (default 50,000). */
  maxFiles?: number;
}

/** What `archiveDirectory` produced. */
export interface ArchiveResult {
  /** The tar.gz bytes. */
  data: Buffer;
  /** Paths of symlinks that point outside `dir` and were left out (never followed), for a warning. */
  skippedSymlinks: string[];
}

const EPOCH = new Date(0);

/**
 * Archives `dir` as gzip-compressed tar with sorted entries, regular files and directories only,
 * zero mtime, uid/gid 0, no user/group names and normalised modes (`ArchiveMode`), so identical
 * trees give byte-identical output. File contents are streamed; only the compressed output is held
 * in memory. Symlinks out of `dir` are left out and listed in `skippedSymlinks`. Fails with
 * `ArchiveError` on looping symlinks, caps, or read errors.
 */
export async function archiveDirectory(opts: ArchiveOptions): Promise<ArchiveResult> {
  try {
    const walked = await walkTree(opts.dir, {
      ignore: opts.ignore,
      maxFileBytes: opts.maxFileBytes ?? ARCHIVE_DEFAULTS.maxFileBytes,
      maxTotalBytes: opts.maxTotalBytes ?? ARCHIVE_DEFAULTS.maxTotalBytes,
      maxFiles: opts.maxFiles ?? ARCHIVE_DEFAULTS.maxFiles,
    });
    return { data: await writeArchive(walked.entries), skippedSymlinks: walked.skippedSymlinks };
  } catch (err) {
    if (err instanceof ArchiveError) throw err;
    throw new ArchiveError(`cannot archive "${opts.dir}": ${(err as Error).message}`, { cause: err });
  }
}

async function writeArchive(entries: readonly TreeEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const output = pipeline(pack, createGzip(), async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) chunks.push(chunk);
  });
  const writing = writeEntries(pack, entries).then(
    () => pack.finalize(),
    (err: unknown) => {
      pack.destroy(err instanceof Error ? err : new Error(String(err)));
      throw err;
    },
  );
  await Promise.all([writing, output]);
  return Buffer.concat(chunks);
}

async function writeEntries(pack: Pack, entries: readonly TreeEntry[]): Promise<void> {
  for (const entry of entries) {
    if (entry.type === 'directory') await writeDirectory(pack, entry.name);
    else await writeFile(pack, entry);
  }
}

function writeDirectory(pack: Pack, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry(
      { name: `${name}/`, type: 'directory', mode: ArchiveMode.directory, mtime: EPOCH, uid: 0, gid: 0, size: 0 },
      (err) => (err ? reject(err) : resolve()),
    );
  });
}

async function writeFile(pack: Pack, entry: FileEntry): Promise<void> {
  const header = {
    name: entry.name,
    type: 'file' as const,
    size: entry.size,
    mode: entry.executable ? ArchiveMode.executable : ArchiveMode.file,
    mtime: EPOCH,
    uid: 0,
    gid: 0,
  };
  let sink!: Writable;
  const packed = new Promise<void>((resolve, reject) => {
    sink = pack.entry(header, (err) => (err ? reject(err) : resolve()));
  });
  const copied = copyInto(sink, entry).then(
    () => {
      sink.end(null);
    },
    (err: unknown) => {
      sink.destroy(err as Error);
      throw err;
    },
  );
  // Awaiting both keeps a failed copy from leaving the entry's rejection unhandled.
  await Promise.all([copied, packed]);
}

/** Streams the file into the tar entry, failing if its size no longer matches what the walk saw. */
async function copyInto(sink: Writable, entry: FileEntry): Promise<void> {
  // O_NOFOLLOW: the walk resolved every link already, so a link appearing now is a swap and must fail.
  let written = 0;
  let source: ReadStream | undefined;
  try {
    const handle = await open(entry.source, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW);
    source = handle.createReadStream();
    for await (const chunk of source as AsyncIterable<Buffer>) {
      written += chunk.length;
      if (written > entry.size) break;
      if (!sink.write(chunk)) await once(sink, 'drain');
    }
  } catch (err) {
    throw new ArchiveError(`cannot read file "${entry.name}": ${(err as Error).message}`, { cause: err });
  } finally {
    source?.destroy();
  }
  if (written !== entry.size) {
    throw new ArchiveError(`file "${entry.name}" changed size while it was being archived; retry`);
  }
}
