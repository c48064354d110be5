// Safe extraction of artifact tarballs: plain files and directories only, inside dest, under a byte cap.
import { constants as fsConstants } from 'node:fs';
import { chmod, mkdir, open } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import type { Header } from 'tar-stream';
import { formatBytes } from './errors.ts';

/** Why an archive was refused; `entry` names the offending tar entry when there is one. */
export class UnsafeArchiveError extends Error {
  override readonly name = 'UnsafeArchiveError';
  constructor(
    message: string,
    readonly entry?: string,
  ) {
    super(message);
  }
}

/** Options of `untarSafe`. */
export interface UntarOptions {
  /** gzip-compressed tar stream. */
  source: NodeJS.ReadableStream | AsyncIterable<Uint8Array>;
  /** Existing directory to extract into. */
  dest: string;
  /** Cap on the decompressed tar stream (headers included), so both huge files and floods of entries stop. */
  maxBytes: number;
}

const WRITE_FLAGS = fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_TRUNC | fsConstants.O_NOFOLLOW;

/**
 * Extracts a tar.gz into `dest`, refusing the whole archive (`UnsafeArchiveError`) on names with
 * `..`, a leading `/`, backslashes, drive letters or NUL, on link/device/FIFO/unknown entries, and
 * once more than `maxBytes` have been decompressed. Directories get `mode | 0o700` and files
 * `mode | 0o600` so the owner can always read and clean up. Partial output is left to the caller.
 */
export async function untarSafe(opts: UntarOptions): Promise<void> {
  const extract = tar.extract();
  const progress: Progress = { seen: 0, entry: undefined, maxBytes: opts.maxBytes };
  const consume = (async () => {
    for await (const entry of extract) {
      progress.entry = entry.header.name;
      // A header announcing more than the whole budget fails before anything is written.
      if (entry.header.size > opts.maxBytes) throw capError(progress);
      await extractEntry(opts.dest, entry.header, entry as AsyncIterable<Buffer>);
    }
  })();
  const feed = pipeline(opts.source, createGunzip(), byteCap(progress), extract).catch((err: unknown) => {
    extract.destroy(err as Error);
    throw err;
  });
  const result = await Promise.allSettled([consume, feed]);
  // The consumer's error names the entry; the feed's is the cause (cap, corrupt gzip) otherwise.
  for (const r of result) if (r.status === 'rejected' && r.reason instanceof UnsafeArchiveError) throw r.reason;
  for (const r of result) if (r.status === 'rejected') throw r.reason;
}

async function extractEntry(dest: string, header: Header, body: AsyncIterable<Buffer>): Promise<void> {
  const rel = safeRelativeName(header.name);
  const kind: string | null = header.type;
  if (kind === 'directory') {
    if (rel !== undefined) await makeDir(path.join(dest, rel), header.mode | 0o700);
    await drain(body);
    return;
  }
  if (kind !== 'file' && kind !== 'contiguous-file') {
    throw new UnsafeArchiveError(
      `entry "${printable(header.name)}" has unsupported type "${kind ?? 'unknown'}"`,
      header.name,
    );
  }
  if (rel === undefined) throw new UnsafeArchiveError(`file entry has an empty name`, header.name);
  const target = path.join(dest, rel);
  await mkdir(path.dirname(target), { recursive: true, mode: 0o750 });
  const handle = await open(target, WRITE_FLAGS, (header.mode & 0o777) | 0o600);
  try {
    for await (const chunk of body) await handle.write(chunk);
    // Extract with at least owner rw regardless of umask, then the archive's permission bits.
    await handle.chmod((header.mode & 0o777) | 0o600);
  } finally {
    await handle.close();
  }
}

/**
 * Returns the normalised relative name, undefined for the archive root (`.`, `./`), and throws for
 * anything that could leave `dest` (Flux's `validRelPath` rules).
 */
export function safeRelativeName(name: string): string | undefined {
  const shown = printable(name);
  if (name.includes('\0')) throw new UnsafeArchiveError(`entry "${shown}" contains a NUL byte`, name);
  if (name.includes('\\')) throw new UnsafeArchiveError(`entry "${shown}" contains a backslash`, name);
  if (/^[a-zA-Z]:/.test(name)) throw new UnsafeArchiveError(`entry "${shown}" starts with a drive letter`, name);
  if (name.startsWith('/')) throw new UnsafeArchiveError(`entry "${shown}" is an absolute path`, name);
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..'))
    throw new UnsafeArchiveError(`entry "${shown}" contains "..", which would escape the directory`, name);
  return parts.length === 0 ? undefined : parts.join('/');
}

async function makeDir(dir: string, mode: number): Promise<void> {
  await mkdir(dir, { recursive: true, mode: mode & 0o777 });
  // mkdir's mode is masked by the umask and ignored for existing dirs; set it explicitly.
  await chmod(dir, mode & 0o777);
}

async function drain(body: AsyncIterable<Buffer>): Promise<void> {
  for await (const chunk of body) {
    if (chunk.length > 0) throw new UnsafeArchiveError('directory entry carries data');
  }
}

interface Progress {
  seen: number;
  entry: string | undefined;
  maxBytes: number;
}

function byteCap(progress: Progress): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
      progress.seen += chunk.length;
      if (progress.seen > progress.maxBytes) {
        cb(capError(progress));
        return;
      }
      cb(null, chunk);
    },
  });
}

function capError(progress: Progress): UnsafeArchiveError {
  const at = progress.entry === undefined ? '' : ` at entry "${printable(progress.entry)}"`;
  return new UnsafeArchiveError(
    `archive expands beyond the ${formatBytes(progress.maxBytes)} untar limit${at}`,
    progress.entry,
  );
}

function printable(name: string): string {
  // eslint-disable-next-line no-control-regex -- never echo control characters from a hostile archive
  return name.replace(/[\u0000-\u001f\u007f]/g, '?').slice(0, 256);
}
