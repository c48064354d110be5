import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chmod, mkdir, readFile, readdir, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { archiveDirectory } from './archive.ts';
import { sha256Digest } from './digest.ts';
import { ArtifactDigestError, ArtifactFetchError, ArtifactNotFoundError, ArtifactUnpackError } from './errors.ts';
import { fetchArtifact } from './fetch.ts';
import { startArtifactServer } from './server.ts';
import type { ArtifactServer } from './server.ts';
import { ArtifactStorage } from './storage.ts';
import { buildTarGz, tempDir } from './test-support.ts';
import type { RawEntry } from './test-support.ts';

interface Env {
  base: string;
  storage: ArtifactStorage;
  server: ArtifactServer;
}

async function setup(t: Parameters<typeof tempDir>[0]): Promise<Env> {
  const base = await tempDir(t);
  const root = path.join(base, 'storage');
  // The port is only known once listening, so the storage that builds URLs is created afterwards;
  // both instances share the root, which is all the server needs.
  const server = await startArtifactServer({
    storage: new ArtifactStorage({ root, advertiseBaseUrl: 'http://unused' }),
    port: 0,
  });
  t.after(() => server.close());
  return { base, storage: new ArtifactStorage({ root, advertiseBaseUrl: server.url }), server };
}

async function serveTarball(env: Env, entries: readonly RawEntry[]) {
  const data = await buildTarGz(entries);
  return env.storage.store({
    kind: 'Bucket',
    namespace: 'ns',
    name: 'evil',
    filename: 'evil.tar.gz',
    data,
    revision: 'r',
  });
}

async function listTree(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).map(String).sort();
}

void test('round trip: archive, store, serve, fetch and extract gives back the tree', async (t) => {
  const env = await setup(t);
  const src = path.join(env.base, 'src');
  await mkdir(path.join(src, 'apps/podinfo'), { recursive: true });
  await writeFile(path.join(src, 'apps/podinfo/deploy.yaml'), 'kind: Deployment\n');
  await writeFile(path.join(src, 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
  const artifact = await env.storage.store({
    kind: 'GitRepository',
    namespace: 'flux-system',
    name: 'podinfo',
    filename: 'sha.tar.gz',
    data: (await archiveDirectory({ dir: src })).data,
    revision: 'main@sha1:0000',
  });
  const dest = path.join(env.base, 'out');
  await fetchArtifact({ url: artifact.url, digest: artifact.digest, dest });
  assert.deepEqual(await listTree(dest), ['apps', 'apps/podinfo', 'apps/podinfo/deploy.yaml', 'run.sh']);
  assert.equal(await readFile(path.join(dest, 'apps/podinfo/deploy.yaml'), 'utf8'), 'kind: Deployment\n');
  assert.equal((await stat(path.join(dest, 'run.sh'))).mode & 0o777, 0o700);
  assert.equal((await stat(path.join(dest, 'apps'))).mode & 0o777, 0o750);
});

void test('a digest mismatch fails before anything is extracted', async (t) => {
  const env = await setup(t);
  const a = await serveTarball(env, [{ name: 'k.yaml', content: 'k' }]);
  const dest = path.join(env.base, 'out');
  const wrong = sha256Digest(Buffer.from('something else'));
  await assert.rejects(fetchArtifact({ url: a.url, digest: wrong, dest }), (err: unknown) => {
    assert.ok(err instanceof ArtifactDigestError);
    assert.ok(err instanceof ArtifactFetchError);
    assert.match(err.message, new RegExp(`${a.url}.*expected ${wrong}`));
    return true;
  });
  assert.deepEqual(await readdir(dest), []);
});

void test('404 gives ArtifactNotFoundError, other client errors are not retried', async (t) => {
  const env = await setup(t);
  const url = `${env.server.url}/gitrepository/ns/n/missing.tar.gz`;
  await assert.rejects(
    fetchArtifact({ url, digest: sha256Digest(Buffer.from('')), dest: path.join(env.base, 'o1') }),
    (err: unknown) => {
      assert.ok(err instanceof ArtifactNotFoundError);
      assert.ok(err instanceof ArtifactFetchError);
      assert.match(err.message, /missing\.tar\.gz not found \(HTTP 404\)/);
      return true;
    },
  );
});

void test('5xx responses are retried a bounded number of times', async (t) => {
  const base = await tempDir(t);
  let hits = 0;
  const flaky = createServer((_req, res) => {
    hits++;
    res.statusCode = 503;
    res.end('busy');
  });
  await new Promise<void>((resolve) => flaky.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => flaky.close(() => resolve())));
  const url = `http://127.0.0.1:${(flaky.address() as AddressInfo).port}/x.tar.gz`;
  await assert.rejects(
    fetchArtifact({
      url,
      digest: sha256Digest(Buffer.from('')),
      dest: path.join(base, 'o'),
      retries: 2,
      retryDelayMs: 1,
    }),
    (err: unknown) => err instanceof ArtifactFetchError && /HTTP 503.*gave up after 3 attempts/.test(err.message),
  );
  assert.equal(hits, 3);
});

const hostile: [string, RawEntry[], RegExp][] = [
  [
    'parent traversal',
    [
      { name: 'ok.yaml', content: 'ok' },
      { name: '../escape.txt', content: 'pwned' },
    ],
    /entry "\.\.\/escape\.txt" contains "\.\."/,
  ],
  ['nested traversal', [{ name: 'a/../../escape.txt', content: 'pwned' }], /contains "\.\."/],
  [
    'absolute path',
    [{ name: '/tmp/driftless-abs-escape.txt', content: 'pwned' }],
    /entry "\/tmp\/driftless-abs-escape\.txt" is an absolute path/,
  ],
  ['backslash', [{ name: '..\\escape.txt', content: 'pwned' }], /contains a backslash/],
  ['drive letter', [{ name: 'C:/escape.txt', content: 'pwned' }], /starts with a drive letter/],
  [
    'symlink entry',
    [{ name: 'link', type: 'symlink', linkname: '/etc/passwd' }],
    /entry "link" has unsupported type "symlink"/,
  ],
  [
    'hardlink entry',
    [
      { name: 'ok.yaml', content: 'ok' },
      { name: 'hard', type: 'link', linkname: 'ok.yaml' },
    ],
    /entry "hard" has unsupported type "link"/,
  ],
  ['fifo entry', [{ name: 'fifo', type: 'fifo' }], /unsupported type "fifo"/],
  ['device entry', [{ name: 'dev', type: 'character-device' }], /unsupported type "character-device"/],
];

for (const [label, entries, message] of hostile) {
  void test(`a tarball with a ${label} is refused whole and nothing is written`, async (t) => {
    const env = await setup(t);
    const a = await serveTarball(env, entries);
    const dest = path.join(env.base, 'deep', 'out');
    const before = await listTree(env.base);
    await assert.rejects(fetchArtifact({ url: a.url, digest: a.digest, dest }), (err: unknown) => {
      assert.ok(err instanceof ArtifactUnpackError, String(err));
      assert.ok(err instanceof ArtifactFetchError);
      assert.ok(err.message.includes(a.url), err.message);
      assert.match(err.message, message);
      return true;
    });
    assert.deepEqual(await readdir(dest), [], 'partial output removed');
    assert.deepEqual(await listTree(env.base), [...before, 'deep', 'deep/out'].sort(), 'nothing written elsewhere');
    await assert.rejects(stat('/tmp/driftless-abs-escape.txt'));
  });
}

void test('a server that stops answering mid-body times out, is retried, then reported as timed out', async (t) => {
  const base = await tempDir(t);
  let hits = 0;
  const stuck = createServer((_req, res) => {
    hits++;
    res.writeHead(200, { 'content-length': '1000' });
    res.write('partial'); // then nothing more: the download must not wait forever
  });
  await new Promise<void>((resolve) => stuck.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => stuck.close(() => resolve())));
  t.after(() => stuck.closeAllConnections());
  const url = `http://127.0.0.1:${(stuck.address() as AddressInfo).port}/x.tar.gz`;
  await assert.rejects(
    fetchArtifact({
      url,
      digest: sha256Digest(Buffer.from('')),
      dest: path.join(base, 'o'),
      timeoutMs: 100,
      retries: 1,
      retryDelayMs: 1,
    }),
    (err: unknown) => err instanceof ArtifactFetchError && /timed out.*gave up after 2 attempts/.test(err.message),
  );
  assert.equal(hits, 2);
});

void test('a zero-filled bomb stops at the untar cap and leaves dest empty', async (t) => {
  const env = await setup(t);
  const a = await serveTarball(env, [
    { name: 'ok.yaml', content: 'ok' },
    { name: 'bomb.bin', zeros: 8 * 1024 * 1024 },
  ]);
  assert.ok(a.size !== undefined && a.size < 64 * 1024, 'the compressed bomb is small');
  const dest = path.join(env.base, 'out');
  await assert.rejects(
    fetchArtifact({ url: a.url, digest: a.digest, dest, maxUntarBytes: 1024 * 1024 }),
    (err: unknown) => {
      assert.ok(err instanceof ArtifactUnpackError, String(err));
      assert.match(err.message, /expands beyond the 1 MiB untar limit at entry "bomb\.bin"/);
      return true;
    },
  );
  assert.deepEqual(await readdir(dest), []);
});

void test('the download cap stops oversized bodies', async (t) => {
  const env = await setup(t);
  const a = await serveTarball(env, [{ name: 'big.bin', zeros: 256 * 1024 }]);
  await assert.rejects(
    fetchArtifact({ url: a.url, digest: a.digest, dest: path.join(env.base, 'o'), maxBytes: 100 }),
    (err: unknown) => err instanceof ArtifactFetchError && /exceeds the 100 bytes download limit/.test(err.message),
  );
});

void test('directories with mode 000 are extracted with owner access; Flux-style "./" roots are accepted', async (t) => {
  const env = await setup(t);
  const a = await serveTarball(env, [
    { name: './', type: 'directory' },
    { name: 'locked/', type: 'directory', mode: 0o000 },
    { name: 'locked/f.yaml', content: 'f', mode: 0o000 },
  ]);
  const dest = path.join(env.base, 'out');
  await fetchArtifact({ url: a.url, digest: a.digest, dest });
  assert.equal((await stat(path.join(dest, 'locked'))).mode & 0o700, 0o700);
  assert.equal(await readFile(path.join(dest, 'locked/f.yaml'), 'utf8'), 'f');
});

void test('a non-empty destination is refused and left untouched', async (t) => {
  const env = await setup(t);
  const a = await serveTarball(env, [{ name: 'k.yaml', content: 'k' }]);
  const dest = path.join(env.base, 'out');
  await mkdir(dest);
  await writeFile(path.join(dest, 'mine.txt'), 'keep');
  await symlink('/etc', path.join(dest, 'etc-link'));
  await chmod(path.join(dest, 'mine.txt'), 0o600);
  await assert.rejects(fetchArtifact({ url: a.url, digest: a.digest, dest }), /is not empty/);
  assert.deepEqual((await readdir(dest)).sort(), ['etc-link', 'mine.txt']);
});
