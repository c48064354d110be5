// OCIRepository faults end to end: a real registry (distribution v3) behind a fault switch of the test's
// own that forwards, answers 500 or never answers; and hostile layers pushed to the real registry (a
// decompression bomb, a symlink out of the tree). Each is Ready=False with a reason and a readable
// message while the last good artifact and what the Kustomization applied stay; a hanging registry ends
// in spec.timeout, and the next reconcile recovers (no reconcile is left hanging).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';
import { ApiVersions } from '../../src/api/constants.ts';
import type { Artifact } from '../../src/api/meta.ts';
import type { KubeObject } from '../../src/kube/types.ts';
import { RegistryClient } from '../../src/sources/oci/client.ts';
import { archiveForPush, pushArtifact } from '../../src/sources/oci/push.ts';
import { ksRef, kustomization, ref, startTestEnv, type TestEnv } from '../support/env.ts';
import { startTestRegistry, type TestRegistry } from '../support/oci-registry.ts';

const ns = 'oci-faults';
let env: TestEnv;
let registry: TestRegistry;
let faults: FaultSwitch;
let good: { digest: string };

type Mode = 'pass' | 'error' | 'hang';

/** An HTTP forwarder to the registry whose answers the test switches: pass through, 500, or silence. */
interface FaultSwitch {
  host: string;
  mode: Mode;
  /** Requests seen in each mode (the hang must have been reached). */
  seen: Record<Mode, number>;
  stop(): Promise<void>;
}

async function startFaultSwitch(target: string): Promise<FaultSwitch> {
  const sockets = new Set<Socket>();
  const sw: FaultSwitch = { host: '', mode: 'pass', seen: { pass: 0, error: 0, hang: 0 }, stop: async () => {} };
  const server = http.createServer((req, res) => {
    sw.seen[sw.mode]++;
    if (sw.mode === 'hang') return; // never answers; the socket is destroyed at stop
    if (sw.mode === 'error') {
      res.writeHead(500, { 'content-type': 'text/plain' }).end('registry storage backend unavailable\n');
      return;
    }
    const [hostname, port] = target.split(':');
    const upstream = http.request(
      { hostname, port, method: req.method, path: req.url, headers: { ...req.headers, host: target } },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  sw.host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  sw.stop = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return sw;
}

const configMap = (value: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: faulty\n  namespace: ${ns}\ndata:\n  value: ${value}\n`;
const repoRef = ref(ApiVersions.source, 'OCIRepository', ns, 'faulty');
type Cond = { type: string; status: string; reason: string; message: string };
const conditionsOf = (o: KubeObject | undefined) => (o?.status as { conditions?: Cond[] } | undefined)?.conditions;
const readyOf = (o: KubeObject | undefined) => conditionsOf(o)?.find((c) => c.type === 'Ready');
const artifactOf = (o: KubeObject | undefined) => (o?.status as { artifact?: Artifact } | undefined)?.artifact;

function repository(spec: Record<string, unknown> = {}, requestedAt?: string): KubeObject {
  return {
    apiVersion: ApiVersions.source,
    kind: 'OCIRepository',
    metadata: {
      name: 'faulty',
      namespace: ns,
      ...(requestedAt ? { annotations: { 'reconcile.fluxcd.io/requestedAt': requestedAt } } : {}),
    },
    spec: { url: `oci://${faults.host}/faults/app`, interval: '10m', ref: { tag: 'v1' }, ...spec },
  };
}

/** Pushes straight to the registry (not through the switch). */
async function push(layer: Buffer): Promise<{ digest: string }> {
  const client = new RegistryClient({ registry: registry.host, repository: 'faults/app' });
  return pushArtifact({ client, tag: 'v1', layer, meta: {} });
}

async function tarball(
  entries: { header: Partial<tar.Header> & { name: string }; body?: Buffer | string }[],
): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const collect = pipeline(pack, createGzip(), async (src: AsyncIterable<Buffer>) => {
    for await (const c of src) chunks.push(c);
  });
  for (const { header, body } of entries) {
    await new Promise<void>((resolve, reject) =>
      pack.entry(header, body ?? '', (err) => (err ? reject(err) : resolve())),
    );
  }
  pack.finalize();
  await collect;
  return Buffer.concat(chunks);
}

async function configMapValue(): Promise<string | undefined> {
  const cm = await env.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'faulty' });
  return (cm?.['data'] as { value?: string } | undefined)?.value;
}

/** Waits for Ready=False with `reason` and a message matching `why`, then checks the last good state stayed. */
async function expectKept(reason: string, why: RegExp): Promise<Cond> {
  let last = '';
  const repo = await env.waitFor(
    () => `faulty Ready=False ${reason} matching ${why} (last: ${last})`,
    async () => {
      const o = await env.get(repoRef);
      const ready = readyOf(o);
      last = `${ready?.status} ${ready?.reason}: ${ready?.message}`;
      return ready?.status === 'False' && ready.reason === reason && why.test(ready.message) ? o : undefined;
    },
  );
  assert.equal(artifactOf(repo)?.revision, `v1@${good.digest}`, 'the last good artifact stays');
  assert.equal(conditionsOf(repo)?.find((c) => c.type === 'FetchFailed')?.status, 'True');
  assert.equal(await configMapValue(), 'good', 'what the Kustomization applied stays');
  return readyOf(repo)!;
}

before(async () => {
  env = await startTestEnv();
  registry = await startTestRegistry();
  faults = await startFaultSwitch(registry.host);
  await env.namespace(ns);
  const dir = await mkdtemp(path.join(env.tmp, 'oci-faults-'));
  await writeFile(path.join(dir, 'cm.yaml'), configMap('good'));
  good = await push(await archiveForPush(dir));
  await env.apply(repository());
  await env.apply(kustomization(ns, 'faulty', 'faulty', { sourceRef: { kind: 'OCIRepository', name: 'faulty' } }));
  await env.waitForReady(ksRef(ns, 'faulty'));
  assert.equal(artifactOf(await env.get(repoRef))?.revision, `v1@${good.digest}`);
});
after(async () => {
  await faults?.stop();
  await registry?.stop();
  await env?.stop();
});

void test('a registry answering 500: OCIArtifactPullFailed naming the status; the last artifact and applied state stay', async () => {
  faults.mode = 'error';
  await env.apply(repository({}, 'registry-500'));
  const ready = await expectKept('OCIArtifactPullFailed', /failed to determine artifact digest: .*500/);
  assert.ok(faults.seen.error > 0);
  assert.doesNotMatch(ready.message, /\n/);
});

void test('a registry that never answers: spec.timeout ends the pull with Ready=False, and the next reconcile recovers', async () => {
  faults.mode = 'hang';
  await env.apply(repository({ timeout: '3s' }, 'registry-hangs'));
  await expectKept('OCIArtifactPullFailed', /timed out/);
  assert.ok(faults.seen.hang > 0, 'the request reached the silent registry');
  faults.mode = 'pass';
  await env.apply(repository({}, 'registry-back'));
  await env.waitForReady(repoRef, { messageIncludes: good.digest });
});

void test('a decompression bomb (110 MiB of zeros in a small layer) is refused at the untar limit', async () => {
  const zeros = Buffer.alloc(10 * 1024 * 1024);
  const bomb = await tarball(
    Array.from({ length: 11 }, (_, i) => ({ header: { name: `bomb-${i}.yaml`, size: zeros.length }, body: zeros })),
  );
  assert.ok(bomb.length < 2 * 1024 * 1024, `the bomb layer is small (${bomb.length} bytes)`);
  await push(bomb);
  await env.apply(repository({}, 'tar-bomb'));
  await expectKept('OCIArtifactLayerOperationFailed', /archive expands beyond the 100 MiB untar limit/);
});

void test('a symlink pointing out of the tree is refused by name; its target is never read', async () => {
  await push(
    await tarball([
      { header: { name: 'cm.yaml', size: Buffer.byteLength(configMap('evil')) }, body: configMap('evil') },
      { header: { name: 'secrets.yaml', type: 'symlink', linkname: '../../../../etc/passwd' } },
    ]),
  );
  await env.apply(repository({}, 'symlink-out'));
  await expectKept('OCIArtifactLayerOperationFailed', /entry "secrets\.yaml" has unsupported type "symlink"/);
});
