import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readdir, readFile, rename, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sha256Digest } from './digest.ts';
import { buildTarGz, tempDir } from './test-support.ts';
import { ArtifactTreeCache } from './tree-cache.ts';

/** Serves tarballs by path and counts downloads. */
async function serve(t: { after(fn: () => Promise<void>): void }, files: Record<string, Buffer>) {
  const hits: Record<string, number> = {};
  const server = createServer((req, res) => {
    const body = files[req.url ?? ''];
    hits[req.url ?? ''] = (hits[req.url ?? ''] ?? 0) + 1;
    if (!body) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/gzip' }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, hits };
}

test('one download per digest; consumers get independent trees that can replace files by rename', async (t) => {
  const tarball = await buildTarGz([
    { name: 'apps/', type: 'directory' },
    { name: 'apps/cm.yaml', content: 'kind: ConfigMap\n' },
    { name: 'kustomization.yaml', content: 'resources: [apps/cm.yaml]\n' },
  ]);
  const { url, hits } = await serve(t, { '/a.tar.gz': tarball });
  const dir = await tempDir(t);
  const cache = new ArtifactTreeCache({ dir: path.join(dir, 'cache') });
  const digest = sha256Digest(tarball);
  const first = path.join(dir, 'one');
  const second = path.join(dir, 'two');
  await Promise.all([
    cache.materialize({ url: `${url}/a.tar.gz`, digest, dest: first }),
    cache.materialize({ url: `${url}/a.tar.gz`, digest, dest: second }),
  ]);
  assert.equal(hits['/a.tar.gz'], 1, 'downloaded once for two concurrent consumers');
  assert.equal(await readFile(path.join(second, 'apps/cm.yaml'), 'utf8'), 'kind: ConfigMap\n');
  // What the render library does: write a temp file and rename it over the original.
  await writeFile(path.join(first, 'tmp'), 'resources: []\n');
  await rename(path.join(first, 'tmp'), path.join(first, 'kustomization.yaml'));
  assert.equal(await readFile(path.join(second, 'kustomization.yaml'), 'utf8'), 'resources: [apps/cm.yaml]\n');
  const third = path.join(dir, 'three');
  await cache.materialize({ url: `${url}/a.tar.gz`, digest, dest: third });
  assert.equal(
    await readFile(path.join(third, 'kustomization.yaml'), 'utf8'),
    'resources: [apps/cm.yaml]\n',
    'the cache is unchanged',
  );
  assert.equal(hits['/a.tar.gz'], 1);
});

test('a digest mismatch caches nothing; old trees are evicted beyond maxEntries', async (t) => {
  const tarballs = await Promise.all([0, 1, 2].map((i) => buildTarGz([{ name: 'f.yaml', content: `n: ${i}\n` }])));
  const { url } = await serve(t, Object.fromEntries(tarballs.map((b, i) => [`/${i}.tar.gz`, b])));
  const dir = await tempDir(t);
  const cacheDir = path.join(dir, 'cache');
  const cache = new ArtifactTreeCache({ dir: cacheDir, maxEntries: 2 });
  await assert.rejects(
    cache.materialize({ url: `${url}/0.tar.gz`, digest: sha256Digest(tarballs[1]!), dest: path.join(dir, 'bad') }),
    /digest/,
  );
  assert.deepEqual(
    (await readdir(cacheDir)).filter((n) => !n.startsWith('.')),
    [],
  );
  // A tree's mtime is its last use. Trees made within one file-system clock tick could tie, so each
  // one's use is dated explicitly, a second apart and long ago; the last is used now, by materialize.
  const longAgo = Date.now() / 1000 - 3600;
  for (const [i, b] of tarballs.entries()) {
    const digest = sha256Digest(b);
    await cache.materialize({ url: `${url}/${i}.tar.gz`, digest, dest: path.join(dir, `d${i}`) });
    if (i < tarballs.length - 1) await utimes(path.join(cacheDir, digest.split(':')[1]!), longAgo + i, longAgo + i);
  }
  const kept = (await readdir(cacheDir)).filter((n) => !n.startsWith('.'));
  assert.equal(kept.length, 2);
  assert.ok(!kept.includes(sha256Digest(tarballs[0]!).split(':')[1]!), 'the least recently used tree went first');
  assert.ok((await stat(path.join(dir, 'd0', 'f.yaml'))).isFile(), 'an evicted tree leaves consumers intact');
});

test('a consumer holding a stale URL does not fail one holding the current URL of the same digest', async (t) => {
  const tarball = await buildTarGz([{ name: 'f.yaml', content: 'n: 1\n' }]);
  const { url } = await serve(t, { '/current.tar.gz': tarball });
  const dir = await tempDir(t);
  const cache = new ArtifactTreeCache({ dir: path.join(dir, 'cache') });
  const digest = sha256Digest(tarball);
  const [stale, current] = await Promise.allSettled([
    cache.materialize({ url: `${url}/gone.tar.gz`, digest, dest: path.join(dir, 'stale') }),
    cache.materialize({ url: `${url}/current.tar.gz`, digest, dest: path.join(dir, 'current') }),
  ]);
  assert.equal(stale.status, 'rejected', 'the stale URL fails on its own');
  assert.equal(current.status, 'fulfilled', 'the current URL is downloaded by itself');
  assert.equal(await readFile(path.join(dir, 'current', 'f.yaml'), 'utf8'), 'n: 1\n');
});

test('withSharedTree hands readers the cached tree itself, downloaded once; a tree in use is not evicted', async (t) => {
  const tarballs = await Promise.all([0, 1].map((i) => buildTarGz([{ name: 'f.yaml', content: `n: ${i}\n` }])));
  const { url, hits } = await serve(t, Object.fromEntries(tarballs.map((b, i) => [`/${i}.tar.gz`, b])));
  const dir = await tempDir(t);
  const cache = new ArtifactTreeCache({ dir: path.join(dir, 'cache'), maxEntries: 1 });
  const at = (i: number) => ({ url: `${url}/${i}.tar.gz`, digest: sha256Digest(tarballs[i]!) });
  const trees: string[] = [];
  const read = async (tree: string): Promise<string> => {
    trees.push(tree);
    return await readFile(path.join(tree, 'f.yaml'), 'utf8');
  };
  const [a, b] = await Promise.all([cache.withSharedTree(at(0), read), cache.withSharedTree(at(0), read)]);
  assert.deepEqual([a?.value, b?.value], ['n: 0\n', 'n: 0\n']);
  assert.equal(trees[0], trees[1], 'both read the same directory');
  assert.equal(trees[0], path.join(dir, 'cache', sha256Digest(tarballs[0]!).slice('sha256:'.length)));
  assert.equal(hits['/0.tar.gz'], 1);
  // While tree 0 is read, loading tree 1 (over maxEntries) must not evict it.
  const reading = cache.withSharedTree(at(0), async (tree) => {
    await cache.withSharedTree(at(1), read);
    return await readFile(path.join(tree, 'f.yaml'), 'utf8');
  });
  assert.equal((await reading)?.value, 'n: 0\n');
  assert.equal(await cache.withSharedTree({ url: `${url}/0.tar.gz`, digest: 'md5:x' }, read), undefined);
});
