import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DIGEST_PATTERN, parseDigest, sha256Digest } from './digest.ts';
import { StorageError } from './errors.ts';
import { ArtifactStorage } from './storage.ts';
import { tempDir } from './test-support.ts';

const fixedClock = () => new Date('2024-05-06T07:08:09.123Z');

void test('store writes the file atomically and returns a Flux-shaped artifact record', async (t) => {
  const root = await tempDir(t);
  const storage = new ArtifactStorage({ root, advertiseBaseUrl: 'http://127.0.0.1:9090/', now: fixedClock });
  const data = Buffer.from('tarball bytes');
  const artifact = await storage.store({
    kind: 'GitRepository',
    namespace: 'flux-system',
    name: 'podinfo',
    filename: 'abc123.tar.gz',
    data,
    revision: 'main@sha1:abc123',
    metadata: { 'org.opencontainers.image.revision': 'abc123' },
  });
  assert.deepEqual(artifact, {
    path: 'gitrepository/flux-system/podinfo/abc123.tar.gz',
    url: 'http://127.0.0.1:9090/gitrepository/flux-system/podinfo/abc123.tar.gz',
    revision: 'main@sha1:abc123',
    digest: sha256Digest(data),
    lastUpdateTime: '2024-05-06T07:08:09Z',
    size: data.length,
    metadata: { 'org.opencontainers.image.revision': 'abc123' },
  });
  assert.match(artifact.digest, DIGEST_PATTERN);
  assert.deepEqual(await readFile(path.join(root, artifact.path)), data);
  assert.deepEqual(
    await readdir(path.join(root, 'gitrepository/flux-system/podinfo')),
    ['abc123.tar.gz'],
    'no temp file left',
  );
  assert.equal(await storage.has(artifact), true);
  assert.equal(await storage.has({ ...artifact, size: 1 }), false, 'size mismatch');
  assert.equal(await storage.has({ path: 'gitrepository/flux-system/podinfo/other.tar.gz' }), false);
});

void test('garbageCollect keeps the newest retentionRecords files including the current one', async (t) => {
  const root = await tempDir(t);
  const storage = new ArtifactStorage({ root, advertiseBaseUrl: 'http://x', retentionRecords: 2 });
  const stored = [];
  for (let i = 1; i <= 4; i++) {
    const a = await storage.store({
      kind: 'Bucket',
      namespace: 'ns',
      name: 'b',
      filename: `r${i}.tar.gz`,
      data: Buffer.from(`v${i}`),
      revision: `r${i}`,
    });
    const when = new Date(Date.UTC(2024, 0, i));
    await utimes(path.join(root, a.path), when, when);
    stored.push(a);
  }
  // The current artifact is r2 (e.g. a rollback to an older revision): it is kept with the newest other one.
  const deleted = await storage.garbageCollect('Bucket', 'ns', 'b', 'bucket/ns/b/r2.tar.gz');
  assert.deepEqual(deleted.sort(), ['bucket/ns/b/r1.tar.gz', 'bucket/ns/b/r3.tar.gz']);
  assert.deepEqual((await readdir(path.join(root, 'bucket/ns/b'))).sort(), ['r2.tar.gz', 'r4.tar.gz']);
  assert.deepEqual(await storage.garbageCollect('Bucket', 'ns', 'b', 'bucket/ns/b/r4.tar.gz'), []);
  assert.deepEqual(await storage.garbageCollect('Bucket', 'ns', 'missing', 'bucket/ns/missing/x.tar.gz'), []);
});

void test('removeAll deletes the object directory only', async (t) => {
  const root = await tempDir(t);
  const storage = new ArtifactStorage({ root, advertiseBaseUrl: 'http://x' });
  const a = await storage.store({
    kind: 'GitRepository',
    namespace: 'ns',
    name: 'a',
    filename: 'f.tar.gz',
    data: Buffer.from('a'),
    revision: 'r',
  });
  const b = await storage.store({
    kind: 'GitRepository',
    namespace: 'ns',
    name: 'b',
    filename: 'f.tar.gz',
    data: Buffer.from('b'),
    revision: 'r',
  });
  await storage.removeAll('GitRepository', 'ns', 'a');
  assert.equal(await storage.has(a), false);
  assert.equal(await storage.has(b), true);
  await storage.removeAll('GitRepository', 'ns', 'a');
});

void test('localPath and artifactPath refuse traversal', async (t) => {
  const root = await tempDir(t);
  const storage = new ArtifactStorage({ root, advertiseBaseUrl: 'http://x' });
  assert.equal(storage.localPath('gitrepository/ns/n/f.tar.gz'), path.join(root, 'gitrepository/ns/n/f.tar.gz'));
  for (const bad of ['../etc/passwd', 'a/../../b', '/etc/passwd', 'a\\..\\b', 'a/\0b', '']) {
    assert.throws(() => storage.localPath(bad), StorageError, bad);
  }
  assert.throws(() => storage.artifactPath('GitRepository', '..', 'n', 'f'), StorageError);
  assert.throws(() => storage.artifactPath('GitRepository', 'ns', 'a/b', 'f'), StorageError);
  await assert.rejects(
    storage.store({
      kind: 'GitRepository',
      namespace: 'ns',
      name: 'n',
      filename: '../../escape',
      data: Buffer.from(''),
      revision: 'r',
    }),
    (err: unknown) => err instanceof StorageError,
  );
  await writeFile(path.join(root, 'plain'), 'x');
  assert.equal(await storage.has({ path: 'plain/child' }), false, 'ENOTDIR is treated as missing');
});

void test('sha256Digest hashes buffers and streams alike; parseDigest validates the syntax', async () => {
  const data = Buffer.from('hello');
  const expected = 'sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824';
  assert.equal(sha256Digest(data), expected);
  async function* chunks() {
    yield Buffer.from('hel');
    yield Buffer.from('lo');
  }
  assert.equal(await sha256Digest(chunks()), expected);
  assert.deepEqual(parseDigest(expected), { algorithm: 'sha256', encoded: expected.slice(7) });
  assert.equal(parseDigest('nocolon'), undefined);
  assert.equal(parseDigest('sha256:../x'), undefined);
});
