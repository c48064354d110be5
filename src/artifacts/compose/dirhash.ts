// source-watcher's artifact file name: an Adler-32 "dirhash" of the staged files (golang.org/x/mod's
// dirhash layout, `<adler32 hex>  <prefix>/<path>\n` per file, hashed again), as a decimal number.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/** Adler-32 of the bytes, continuing from `start` (1 for a new checksum). */
export function adler32(data: Uint8Array, start = 1): number {
  let a = start & 0xffff;
  let b = (start >>> 16) & 0xffff;
  const MOD = 65521;
  for (let i = 0; i < data.length;) {
    // 3800 bytes keep the sums inside 32 bits before the modulo, as zlib's NMAX does for 5552.
    const end = Math.min(i + 3800, data.length);
    for (; i < end; i++) {
      a += data[i]!;
      b += a;
    }
    a %= MOD;
    b %= MOD;
  }
  return ((b << 16) | a) >>> 0;
}

async function listFiles(dir: string, rel: string, out: string[]): Promise<void> {
  const entries = await readdir(path.join(dir, rel), { withFileTypes: true });
  for (const e of entries) {
    const child = rel === '' ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) await listFiles(dir, child, out);
    else if (e.isFile()) out.push(child);
  }
}

/** The decimal Adler-32 dirhash of `dir`'s regular files, each named `<prefix>/<path>`. */
export async function dirHash(dir: string, prefix: string): Promise<string> {
  const files: string[] = [];
  await listFiles(dir, '', files);
  const names = files.map((f) => ({ f, name: `${prefix}/${f}` }));
  names.sort((x, y) => Buffer.compare(Buffer.from(x.name), Buffer.from(y.name)));
  let sum = 1;
  for (const { f, name } of names) {
    if (name.includes('\n')) throw new Error('filenames with newlines are not supported');
    const line = `${adler32(await readFile(path.join(dir, f))).toString(16)}  ${name}\n`;
    sum = adler32(Buffer.from(line), sum);
  }
  return String(sum);
}
