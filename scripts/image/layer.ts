// Image layers as reproducible tar.gz blobs: entries in a fixed order, every timestamp the build's
// SOURCE_DATE_EPOCH, owners and modes normalised, no device nodes. Each layer is streamed once: the
// uncompressed bytes are hashed for the config's `diff_id`, the gzip bytes for the blob digest.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, readdir, readlink, rename } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import tar, { type Header, type Pack } from 'tar-stream';

type Headers = Partial<Header> & Pick<Header, 'name'>;

/** A written layer: the gzip blob's digest and size, and the digest of its uncompressed tar. */
export interface LayerBlob {
  digest: string;
  size: number;
  diffId: string;
}

/** One entry of a layer made from files: a directory, a file copied from the host, a symlink or inline text. */
export type LayerEntry =
  | { path: string; type: 'directory'; mode?: number; uid?: number }
  | { path: string; type: 'file'; from: string; mode?: number }
  | { path: string; type: 'text'; content: string; mode?: number }
  | { path: string; type: 'symlink'; target: string };

/** How a re-streamed tar entry is changed (`undefined` drops it). */
export type EntryEdit = (header: Headers, body: Buffer) => { header: Headers; body: Buffer } | undefined;

class Hasher extends Transform {
  readonly hash = createHash('sha256');
  size = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    done(null, chunk);
  }
}

/** Streams `pack` through gzip into `<blobsDir>/sha256/<digest>`; returns the layer's digests. */
async function writeBlob(blobsDir: string, pack: Pack): Promise<LayerBlob> {
  const tmp = path.join(blobsDir, `.layer-${process.pid}-${Date.now()}.tmp`);
  const raw = new Hasher();
  const gz = new Hasher();
  await pipeline(pack, raw, createGzip({ level: 6 }), gz, createWriteStream(tmp));
  const digest = gz.hash.digest('hex');
  await rename(tmp, path.join(blobsDir, 'sha256', digest));
  return { digest: `sha256:${digest}`, size: gz.size, diffId: `sha256:${raw.hash.digest('hex')}` };
}

/** Writes the entries (parents first, sorted) as a layer blob; all times `epoch`, owner root unless `uid`. */
export async function layerFromEntries(blobsDir: string, entries: LayerEntry[], epoch: number): Promise<LayerBlob> {
  const pack = tar.pack();
  const done = writeBlob(blobsDir, pack);
  const mtime = new Date(epoch * 1000);
  for (const e of [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    const name = e.path.replace(/^\/+/, '');
    const base = { name, mtime, uid: 0, gid: 0, uname: '', gname: '' };
    if (e.type === 'directory') {
      const owner = e.uid ?? 0;
      await entry(pack, {
        ...base,
        name: `${name}/`,
        type: 'directory',
        mode: e.mode ?? 0o755,
        uid: owner,
        gid: owner,
      });
    } else if (e.type === 'symlink') {
      await entry(pack, { ...base, type: 'symlink', linkname: e.target, mode: 0o777 });
    } else if (e.type === 'text') {
      await entry(pack, { ...base, type: 'file', mode: e.mode ?? 0o644 }, Buffer.from(e.content));
    } else {
      const st = await lstat(e.from);
      const mode = e.mode ?? (st.mode & 0o111 ? 0o755 : 0o644);
      const stream = pack.entry({ ...base, type: 'file', mode, size: st.size });
      await pipeline(createReadStream(e.from), stream);
    }
  }
  pack.finalize();
  return done;
}

function entry(pack: Pack, header: Headers, body: Buffer = Buffer.alloc(0)): Promise<void> {
  return new Promise((resolve, reject) => pack.entry(header, body, (err) => (err ? reject(err) : resolve())));
}

/** The entries of a host directory tree under `prefix` in the image (files keep only their exec bit). */
export async function treeEntries(dir: string, prefix: string, skip: (rel: string) => boolean = () => false) {
  const out: LayerEntry[] = [{ path: prefix, type: 'directory' }];
  async function walk(rel: string): Promise<void> {
    for (const d of await readdir(path.join(dir, rel), { withFileTypes: true })) {
      const r = path.posix.join(rel, d.name);
      if (skip(r)) continue;
      const from = path.join(dir, r);
      const to = path.posix.join(prefix, r);
      if (d.isDirectory()) {
        out.push({ path: to, type: 'directory' });
        await walk(r);
      } else if (d.isSymbolicLink()) out.push({ path: to, type: 'symlink', target: await readlink(from) });
      else if (d.isFile()) out.push({ path: to, type: 'file', from });
    }
  }
  await walk('');
  return out;
}

/**
 * Re-streams a root filesystem tarball (mmdebstrap's) as a layer: entries in their order, times set to
 * `epoch`, user and group names dropped, device nodes and FIFOs left out (a container runtime provides
 * /dev), and `edit` applied to each entry.
 */
export async function layerFromTarball(
  blobsDir: string,
  tarball: string,
  epoch: number,
  edit: EntryEdit = (header, body) => ({ header, body }),
): Promise<LayerBlob> {
  const pack = tar.pack();
  const done = writeBlob(blobsDir, pack);
  const extract = tar.extract();
  const mtime = new Date(epoch * 1000);
  extract.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: unknown) => void chunks.push(c as Buffer));
    stream.on('end', () => {
      if (
        header.type !== 'file' &&
        header.type !== 'directory' &&
        header.type !== 'symlink' &&
        header.type !== 'link'
      ) {
        next();
        return;
      }
      const changed = edit({ ...header, mtime, uname: '', gname: '' }, Buffer.concat(chunks));
      if (!changed) {
        next();
        return;
      }
      const h: Headers = {
        ...changed.header,
        ...(changed.header.type === 'file' ? { size: changed.body.length } : {}),
      };
      delete h.pax;
      pack.entry(h, h.type === 'file' ? changed.body : Buffer.alloc(0), (err) => next(err ?? undefined));
    });
  });
  const read = pipeline(createReadStream(tarball), extract).then(() => pack.finalize());
  const [blob] = await Promise.all([done, read]);
  return blob;
}
