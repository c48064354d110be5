// The OCI client against a real registry (distribution v3, built by scripts/provision.sh registry).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile, mkdir, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createGzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import tar from 'tar-stream';
import { startTestRegistry, testBinDir, type TestRegistry } from '../../../test/support/oci-registry.ts';
import { RegistryClient } from './client.ts';
import { OciAuthError, OciDigestError, OciLayerError, OciNotFoundError, OciRegistryError } from './errors.ts';
import { FluxMediaTypes, OciAnnotations } from './manifest.ts';
import { fetchImageManifest, pullLayer, resolveArtifact } from './pull.ts';
import { archiveForPush, pushArtifact } from './push.ts';

const USER = 'pusher';
const PASSWORD = 'registry-password-123';
let open: TestRegistry;
let locked: TestRegistry;
let tmp: string;

before(async () => {
  [open, locked] = await Promise.all([
    startTestRegistry(),
    startTestRegistry({ auth: { username: USER, password: PASSWORD } }),
  ]);
  tmp = await mkdtemp(path.join(tmpdir(), 'driftless-oci-int-'));
});
after(async () => {
  await Promise.all([open?.stop(), locked?.stop()]);
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

async function sourceDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmp, 'src-'));
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), content);
  }
  return dir;
}

/** A gzip tarball with exactly these entries (names unchecked: the point is to build hostile ones). */
async function rawTarball(entries: { name: string; content: string }[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) pack.entry({ name: e.name }, e.content);
  pack.finalize();
  const chunks: Buffer[] = [];
  await pipeline(pack, createGzip(), async (src: AsyncIterable<Buffer>) => {
    for await (const c of src) chunks.push(c);
  });
  return Buffer.concat(chunks);
}

void test('push, resolve, pull and extract a Flux artifact', async () => {
  const client = new RegistryClient({ registry: open.host, repository: 'apps/web' });
  const dir = await sourceDir({ 'deploy/cm.yaml': 'kind: ConfigMap\n', 'README.md': 'hi' });
  const pushed = await pushArtifact({
    client,
    tag: 'v1.0.0',
    layer: await archiveForPush(dir),
    meta: { source: 'https://git.example/app', revision: 'main@sha1:abc' },
  });
  assert.equal(pushed.manifest.layers[0]?.mediaType, FluxMediaTypes.content);
  assert.equal(pushed.manifest.config.mediaType, FluxMediaTypes.config);

  const resolved = await resolveArtifact(client, { kind: 'tag', tag: 'v1.0.0' });
  assert.equal(resolved.revision, `v1.0.0@${pushed.digest}`);
  const { manifest, digest } = await fetchImageManifest(client, resolved.digest);
  assert.equal(digest, pushed.digest);
  assert.equal(manifest.annotations?.[OciAnnotations.revision], 'main@sha1:abc');
  assert.equal(manifest.annotations?.[OciAnnotations.source], 'https://git.example/app');
  assert.match(manifest.annotations?.[OciAnnotations.created] ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

  const work = await mkdtemp(path.join(tmp, 'pull-'));
  const pulled = await pullLayer({ client, manifest, dir: work, maxBytes: 1024 * 1024 });
  assert.equal(pulled.operation, 'extract');
  if (pulled.operation === 'extract') {
    assert.equal(await readFile(path.join(pulled.dir, 'deploy/cm.yaml'), 'utf8'), 'kind: ConfigMap\n');
  }
  const byDigest = await resolveArtifact(client, { kind: 'digest', digest: pushed.digest });
  assert.equal(byDigest.revision, pushed.digest);
});

void test('a tag that does not exist is OciNotFoundError', async () => {
  const client = new RegistryClient({ registry: open.host, repository: 'apps/web' });
  await assert.rejects(client.resolve('v9.9.9'), OciNotFoundError);
  await assert.rejects(
    new RegistryClient({ registry: open.host, repository: 'no/such' }).resolve('latest'),
    OciNotFoundError,
  );
});

void test('tag lists are read across pages (Link rel="next") and semver picks among all of them', async () => {
  const client = new RegistryClient({ registry: open.host, repository: 'apps/paged' });
  const layer = await archiveForPush(await sourceDir({ 'a.yaml': 'a: 1\n' }));
  const tags = ['0.1.0', '0.2.0', '0.10.0', 'latest', 'v1.0.0-rc.1'];
  for (const tag of tags) await pushArtifact({ client, tag, layer, meta: {} });
  assert.deepEqual((await client.listTags(2)).sort(), [...tags].sort());
  const picked = await resolveArtifact(client, { kind: 'semver', range: '0.x' });
  assert.equal(picked.tag, '0.10.0');
});

void test('basic auth: right credentials pull, wrong ones fail without the password in the message', async () => {
  const good = new RegistryClient({
    registry: locked.host,
    repository: 'private/app',
    credentials: { username: USER, password: PASSWORD },
  });
  const pushed = await pushArtifact({
    client: good,
    tag: 'latest',
    layer: await archiveForPush(await sourceDir({ 'x.yaml': 'x: 1\n' })),
    meta: {},
  });
  assert.equal((await good.resolve('latest')).digest, pushed.digest);

  const wrong = new RegistryClient({
    registry: locked.host,
    repository: 'private/app',
    credentials: { username: USER, password: 'wrong-password-456' },
  });
  await assert.rejects(wrong.resolve('latest'), (err: Error) => {
    assert.ok(err instanceof OciAuthError, String(err));
    assert.match(err.message, /UNAUTHORIZED/);
    assert.ok(!err.message.includes('wrong-password-456') && !err.message.includes(PASSWORD));
    return true;
  });
  const anonymous = new RegistryClient({ registry: locked.host, repository: 'private/app' });
  await assert.rejects(anonymous.resolve('latest'), /UNAUTHORIZED: .*set spec.secretRef/);
});

void test('a blob whose bytes do not match its digest is refused before extraction', async () => {
  const client = new RegistryClient({ registry: open.host, repository: 'apps/corrupt' });
  const pushed = await pushArtifact({
    client,
    tag: 'latest',
    layer: await archiveForPush(await sourceDir({ 'ok.yaml': 'ok: true\n' })),
    meta: {},
  });
  const layer = pushed.manifest.layers[0]!;
  const file = open.blobPath(layer.digest);
  const bytes = await readFile(file);
  bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff;
  await writeFile(file, bytes);
  const work = await mkdtemp(path.join(tmp, 'pull-'));
  await assert.rejects(
    pullLayer({ client, manifest: pushed.manifest, dir: work, maxBytes: 1024 * 1024 }),
    (err: Error) => err instanceof OciDigestError && /does not match its digest/.test(err.message),
  );
  assert.deepEqual(await readdir(work), [], 'nothing extracted, the download removed');
});

void test('a layer with ../ or absolute paths is refused by the safe untar', async () => {
  const client = new RegistryClient({ registry: open.host, repository: 'apps/evil' });
  for (const name of ['../escape.yaml', '/etc/abs.yaml']) {
    const pushed = await pushArtifact({
      client,
      tag: 'latest',
      layer: await rawTarball([{ name, content: 'x: 1\n' }]),
      meta: {},
    });
    const work = await mkdtemp(path.join(tmp, 'pull-'));
    await assert.rejects(
      pullLayer({ client, manifest: pushed.manifest, dir: work, maxBytes: 1024 * 1024 }),
      (err: Error) =>
        err instanceof OciLayerError && /failed to extract layer contents from artifact/.test(err.message),
    );
  }
  // A layer that is not gzip at all.
  const pushed = await pushArtifact({ client, tag: 'plain', layer: Buffer.from('not a tarball'), meta: {} });
  const work = await mkdtemp(path.join(tmp, 'pull-'));
  await assert.rejects(
    pullLayer({ client, manifest: pushed.manifest, dir: work, maxBytes: 1024 * 1024 }),
    /is the layer a gzip-compressed tarball/,
  );
});

void test('operation copy keeps the verified blob as it is', async () => {
  const client = new RegistryClient({ registry: open.host, repository: 'apps/copy' });
  const layer = await archiveForPush(await sourceDir({ 'c.yaml': 'c: 1\n' }));
  const pushed = await pushArtifact({ client, tag: 'latest', layer, meta: {} });
  const work = await mkdtemp(path.join(tmp, 'pull-'));
  const pulled = await pullLayer({
    client,
    manifest: pushed.manifest,
    operation: 'copy',
    dir: work,
    maxBytes: 1 << 20,
  });
  assert.equal(pulled.operation, 'copy');
  if (pulled.operation === 'copy') assert.deepEqual(await readFile(pulled.file), layer);
});

void test('Bearer challenge: a token from the realm with the credentials; wrong ones are refused there', async () => {
  const tokened = await startTestRegistry({ tokenAuth: { username: USER, password: PASSWORD } });
  try {
    const good = new RegistryClient({
      registry: tokened.host,
      repository: 'team/app',
      credentials: { username: USER, password: PASSWORD },
    });
    const layer = await archiveForPush(await sourceDir({ 't.yaml': 't: 1\n' }));
    const pushed = await pushArtifact({ client: good, tag: 'v1', layer, meta: {} });
    const resolved = await resolveArtifact(good, { kind: 'semver', range: '*' });
    assert.equal(resolved.revision, `v1@${pushed.digest}`);
    const wrong = new RegistryClient({
      registry: tokened.host,
      repository: 'team/app',
      credentials: { username: USER, password: 'bad-token-password' },
    });
    await assert.rejects(wrong.resolve('v1'), (err: Error) => {
      assert.ok(err instanceof OciAuthError, String(err));
      assert.match(err.message, /token service http:\/\/127\.0\.0\.1:\d+\/token refused the credentials \(HTTP 401\)/);
      assert.ok(!err.message.includes('bad-token-password'));
      return true;
    });
  } finally {
    await tokened.stop();
  }
});

void test('a blob redirected to another host is fetched without the registry credentials', async () => {
  // In front of the real (htpasswd) registry: blob GETs answer 307 to a "blob store" on another origin,
  // which records the headers it got and serves the bytes; everything else is passed through.
  const seen: IncomingHttpHeaders[] = [];
  const store = createServer((req, res) => {
    seen.push(req.headers);
    void fetch(`http://${locked.host}${req.url ?? ''}`, {
      headers: { Authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}` },
    }).then(async (r) => res.writeHead(r.status).end(Buffer.from(await r.arrayBuffer())));
  });
  const front = createServer((req, res) => {
    if (req.method === 'GET' && /\/blobs\/sha256:/.test(req.url ?? '') && req.headers.authorization) {
      res.writeHead(307, { Location: `http://localhost:${storePort}${req.url ?? ''}` }).end();
      return;
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host') headers[k] = v;
    void fetch(`http://${locked.host}${req.url ?? ''}`, {
      method: req.method ?? 'GET',
      headers,
      redirect: 'manual',
    }).then(async (r) => {
      const out: Record<string, string> = {};
      r.headers.forEach((v, k) => {
        if (k !== 'content-length' && k !== 'transfer-encoding' && k !== 'content-encoding') out[k] = v;
      });
      res.writeHead(r.status, out).end(Buffer.from(await r.arrayBuffer()));
    });
  });
  await new Promise<void>((r) => store.listen(0, '127.0.0.1', r));
  const storePort = (store.address() as { port: number }).port;
  await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
  const frontHost = `127.0.0.1:${(front.address() as { port: number }).port}`;
  try {
    const credentials = { username: USER, password: PASSWORD };
    const direct = new RegistryClient({ registry: locked.host, repository: 'redirect/app', credentials });
    const layer = await archiveForPush(await sourceDir({ 'r.yaml': 'r: 1\n' }));
    const pushed = await pushArtifact({ client: direct, tag: 'latest', layer, meta: {} });
    const client = new RegistryClient({ registry: frontHost, repository: 'redirect/app', credentials });
    const { manifest } = await fetchImageManifest(client, (await client.resolve('latest')).digest);
    assert.equal(manifest.layers[0]?.digest, pushed.manifest.layers[0]?.digest);
    const work = await mkdtemp(path.join(tmp, 'pull-'));
    const pulled = await pullLayer({ client, manifest, dir: work, maxBytes: 1 << 20 });
    assert.equal(pulled.operation, 'extract');
    assert.equal(seen.length, 1, 'the layer came from the blob store');
    assert.equal(seen[0]?.authorization, undefined, 'no credentials sent to the other host');
  } finally {
    await new Promise((r) => front.close(r));
    await new Promise((r) => store.close(r));
  }
});

void test('a multi-layer artifact pushed by oras: layerSelector.mediaType picks the layer, the default is the first', async () => {
  const dir = await mkdtemp(path.join(tmp, 'oras-'));
  await writeFile(path.join(dir, 'readme.txt'), 'not a tarball\n');
  await writeFile(path.join(dir, 'content.tgz'), await archiveForPush(await sourceDir({ 'from-oras.yaml': 'o: 1\n' })));
  await promisify(execFile)(
    path.join(testBinDir(), 'oras'),
    [
      'push',
      '--plain-http',
      '--artifact-type',
      'application/vnd.acme.bundle.v1',
      `${open.host}/apps/multi:v1`,
      'readme.txt:text/plain',
      `content.tgz:${FluxMediaTypes.content}`,
    ],
    { cwd: dir },
  );
  const client = new RegistryClient({ registry: open.host, repository: 'apps/multi' });
  const { manifest } = await fetchImageManifest(client, (await client.resolve('v1')).digest);
  assert.deepEqual(
    manifest.layers.map((l) => l.mediaType),
    ['text/plain', FluxMediaTypes.content],
  );
  const work = await mkdtemp(path.join(tmp, 'pull-'));
  const pulled = await pullLayer({ client, manifest, mediaType: FluxMediaTypes.content, dir: work, maxBytes: 1 << 20 });
  assert.equal(
    pulled.operation === 'extract' && (await readFile(path.join(pulled.dir, 'from-oras.yaml'), 'utf8')),
    'o: 1\n',
  );
  // Flux's default, the first layer, is not a tarball here: refused as such.
  await assert.rejects(
    pullLayer({ client, manifest, dir: await mkdtemp(path.join(tmp, 'pull-')), maxBytes: 1 << 20 }),
    /is the layer a gzip-compressed tarball/,
  );
});

void test('size limits: a layer above the cap is refused before download, and an archive expanding past it', async () => {
  const client = new RegistryClient({ registry: open.host, repository: 'apps/big' });
  const big = 'x'.repeat(200_000);
  const pushed = await pushArtifact({
    client,
    tag: 'latest',
    layer: await archiveForPush(await sourceDir({ 'big.yaml': big })),
    meta: {},
  });
  const layer = pushed.manifest.layers[0]!;
  await assert.rejects(
    pullLayer({
      client,
      manifest: pushed.manifest,
      dir: await mkdtemp(path.join(tmp, 'pull-')),
      maxBytes: layer.size - 1,
    }),
    (err: Error) => err instanceof OciRegistryError && /above the .* limit/.test(err.message),
  );
  // The compressed layer fits, its content does not (a small tar bomb).
  await assert.rejects(
    pullLayer({ client, manifest: pushed.manifest, dir: await mkdtemp(path.join(tmp, 'pull-')), maxBytes: 100_000 }),
    /untar limit/,
  );
});

void test('a registry that answers 500 or never answers fails with the status or a timeout', async () => {
  const sockets = new Set<import('node:net').Socket>();
  const broken = createServer((req, res) => {
    if (req.url?.includes('/hang/')) return; // never answers
    res.writeHead(500, { 'Content-Type': 'application/json' }).end('{"errors":[{"code":"UNKNOWN","message":"boom"}]}');
  });
  broken.on('connection', (s) => sockets.add(s));
  await new Promise<void>((r) => broken.listen(0, '127.0.0.1', r));
  const host = `127.0.0.1:${(broken.address() as { port: number }).port}`;
  try {
    await assert.rejects(
      new RegistryClient({ registry: host, repository: 'err/app' }).resolve('latest'),
      (err: Error) => err instanceof OciRegistryError && /HEAD .*: HTTP 500/.test(err.message),
    );
    await assert.rejects(
      new RegistryClient({ registry: host, repository: 'err/app' }).manifest('latest'),
      /GET .*: UNKNOWN: boom/,
    );
    await assert.rejects(
      new RegistryClient({ registry: host, repository: 'hang/app', signal: AbortSignal.timeout(500) }).resolve(
        'latest',
      ),
      /HEAD .*hang\/app\/manifests\/latest: timed out/,
    );
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise((r) => broken.close(r));
  }
});

void test('a tag naming an image index (made by oras) resolves to the index digest and pulls its first manifest', async () => {
  const client = new RegistryClient({ registry: open.host, repository: 'apps/indexed' });
  const first = await pushArtifact({
    client,
    tag: 'first',
    layer: await archiveForPush(await sourceDir({ 'which.yaml': 'first\n' })),
    meta: {},
  });
  await pushArtifact({
    client,
    tag: 'second',
    layer: await archiveForPush(await sourceDir({ 'which.yaml': 'second\n' })),
    meta: {},
  });
  await promisify(execFile)(path.join(testBinDir(), 'oras'), [
    'manifest',
    'index',
    'create',
    '--plain-http',
    `${open.host}/apps/indexed:multi`,
    'first',
    'second',
  ]);
  const resolved = await resolveArtifact(client, { kind: 'tag', tag: 'multi' });
  assert.notEqual(resolved.digest, first.digest, 'the revision names the index, as Flux');
  assert.equal(resolved.revision, `multi@${resolved.digest}`);
  const { manifest, digest } = await fetchImageManifest(client, resolved.digest);
  assert.equal(digest, first.digest);
  const work = await mkdtemp(path.join(tmp, 'pull-'));
  const pulled = await pullLayer({ client, manifest, dir: work, maxBytes: 1 << 20 });
  assert.equal(
    pulled.operation === 'extract' && (await readFile(path.join(pulled.dir, 'which.yaml'), 'utf8')),
    'first\n',
  );
});
