// Helpers shared by the artifacts tests: temp dirs, reading and building tarballs.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { gunzipSync, createGzip } from 'node:zlib';
import tar from 'tar-stream';
import type { Header } from 'tar-stream';

/** A tar entry as read back by `readTarGz`. */
export interface TarEntry {
  header: Header;
  content: Buffer;
}

/** Creates a temp dir removed when the test ends. */
export async function tempDir(
  t: { after(fn: () => Promise<void>): void },
  prefix = 'driftless-artifacts-',
): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Lists every entry of a tar.gz with its content. */
export async function readTarGz(data: Buffer): Promise<TarEntry[]> {
  const extract = tar.extract();
  const entries: TarEntry[] = [];
  const feed = pipeline(
    (async function* () {
      yield gunzipSync(data);
    })(),
    extract,
  );
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry as AsyncIterable<Buffer>) chunks.push(chunk);
    entries.push({ header: entry.header, content: Buffer.concat(chunks) });
  }
  await feed;
  return entries;
}

/** One entry to write with `buildTarGz`; `zeros` streams that many zero bytes instead of `content`. */
export interface RawEntry {
  name: string;
  type?: Header['type'];
  content?: string;
  zeros?: number;
  linkname?: string;
  mode?: number;
}

/** Builds a (possibly hostile) tar.gz in memory; large zero-filled entries are streamed so they stay cheap. */
export async function buildTarGz(entries: readonly RawEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const out = pipeline(pack, createGzip(), async (src: AsyncIterable<Buffer>) => {
    for await (const c of src) chunks.push(c);
  });
  for (const e of entries) {
    const type = e.type ?? 'file';
    if (e.zeros !== undefined) {
      const sink = pack.entry({ name: e.name, type, size: e.zeros, mode: e.mode ?? 0o644 });
      const block = Buffer.alloc(64 * 1024);
      for (let left = e.zeros; left > 0; left -= block.length) {
        const ok = sink.write(left >= block.length ? block : block.subarray(0, left));
        if (!ok) await new Promise<void>((resolve) => sink.once('drain', () => resolve()));
      }
      await new Promise<void>((resolve, reject) => {
        sink.once('close', () => resolve());
        sink.once('error', reject);
        sink.end(null);
      });
    } else {
      const header = {
        name: e.name,
        type,
        mode: e.mode ?? (type === 'directory' ? 0o755 : 0o644),
        linkname: e.linkname,
      };
      await new Promise<void>((resolve, reject) =>
        pack.entry(header, type === 'file' ? (e.content ?? '') : '', (err) => (err ? reject(err) : resolve())),
      );
    }
  }
  pack.finalize();
  await out;
  return Buffer.concat(chunks);
}
