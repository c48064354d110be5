import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import path from 'node:path';
import { decodeStoragePath, startArtifactServer } from './server.ts';
import { ArtifactStorage } from './storage.ts';
import { tempDir } from './test-support.ts';

/** Sends the request target byte-for-byte (no URL normalisation, unlike fetch). */
function rawRequest(
  port: number,
  target: string,
  method = 'GET',
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: target, method, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function setup(t: Parameters<typeof tempDir>[0]) {
  const base = await tempDir(t);
  const root = path.join(base, 'storage');
  await writeFile(path.join(base, 'secret.txt'), 'TOP-SECRET');
  const storage = new ArtifactStorage({ root, advertiseBaseUrl: 'http://unused' });
  const server = await startArtifactServer({ storage, port: 0 });
  t.after(() => server.close());
  return { root, storage, server };
}

void test('serves stored artifacts with GET and HEAD, 404 otherwise', async (t) => {
  const { storage, server } = await setup(t);
  const data = Buffer.from('gzip-bytes-here');
  const a = await storage.store({
    kind: 'GitRepository',
    namespace: 'ns',
    name: 'n',
    filename: 'rev.tar.gz',
    data,
    revision: 'r',
  });

  const res = await fetch(`${server.url}/${a.path}`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/gzip');
  assert.equal(res.headers.get('content-length'), String(data.length));
  assert.deepEqual(Buffer.from(await res.arrayBuffer()), data);

  const head = await fetch(`${server.url}/${a.path}`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('content-length'), String(data.length));
  assert.equal((await head.arrayBuffer()).byteLength, 0);

  assert.equal((await fetch(`${server.url}/gitrepository/ns/n/other.tar.gz`)).status, 404);
  assert.equal((await fetch(`${server.url}/gitrepository/ns/n`)).status, 404, 'directories are not listed');
  assert.equal((await fetch(`${server.url}/`)).status, 400);
  assert.equal((await fetch(`${server.url}/${a.path}`, { method: 'POST' })).status, 405);
});

void test('traversal attempts never reach files outside the storage root', async (t) => {
  const { root, server } = await setup(t);
  await mkdir(path.join(root, 'gitrepository'), { recursive: true });
  const targets = [
    '/../../etc/passwd',
    '/../secret.txt',
    '/%2e%2e/secret.txt',
    '/%2E%2E/%2E%2E/etc/passwd',
    '/..%2fsecret.txt',
    '/gitrepository/..%2F..%2Fsecret.txt',
    '/gitrepository/%2e%2e%2f%2e%2e%2fsecret.txt',
    '/..%5csecret.txt',
    '/gitrepository/%00',
    '/%ff%fe',
    '/gitrepository/./../../secret.txt',
    '//etc/passwd',
  ];
  for (const target of targets) {
    const res = await rawRequest(server.port, target);
    assert.ok(res.status === 400 || res.status === 404, `${target} → ${res.status}`);
    assert.doesNotMatch(res.body, /TOP-SECRET|root:/, target);
  }
  await symlink(path.join(root, '..', 'secret.txt'), path.join(root, 'gitrepository', 'planted.tar.gz'));
  assert.equal(
    (await rawRequest(server.port, '/gitrepository/planted.tar.gz')).status,
    404,
    'symlinks in storage are not followed',
  );
  const encoded = await rawRequest(server.port, '/..%2fsecret.txt');
  assert.equal(encoded.status, 400, 'an encoded separator is refused outright');
});

void test('decodeStoragePath decodes per segment and rejects unsafe segments', () => {
  assert.equal(decodeStoragePath('http://h/gitrepository/ns/n/a%20b.tar.gz?x=1'), 'gitrepository/ns/n/a b.tar.gz');
  assert.equal(decodeStoragePath('/a/b'), 'a/b');
  for (const bad of ['/a/../b', '/a/%2e%2e/b', '/a%2fb', '/a%5cb', '/a//b', '/%00', '/%zz', '/', 'relative']) {
    assert.equal(decodeStoragePath(bad), undefined, bad);
  }
});
