// The dashboard in front of a slow and then an unreachable API server: a delaying TCP proxy sits between
// the dashboard's client and a real kube-apiserver. Once the informer has synced, lists, the overview
// and object pages still answer from the cache; what an object page asks the API server (its events,
// the health of the objects it applied) ends at the page's deadline with the error in words, never a hang.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { testControlPlane, type TestControlPlane } from '../../test/support/control-plane.ts';
import { ApiVersions } from '../api/constants.ts';
import { install } from '../install/install.ts';
import { KubeClient } from '../kube/client.ts';
import { loadKubeConfig } from '../kube/config.ts';
import { Informer } from '../runtime/informer.ts';
import { startHttpServer, type RunningServer } from '../runtime/http-server.ts';
import { createLogger } from '../runtime/logger.ts';
import { createDashboardApp } from './api.ts';
import { liveObjectsReader, objectEventsReader } from './cluster-lookups.ts';
import { EventLog } from './event-log.ts';

const ns = `slow-${randomBytes(3).toString('hex')}`;
/** How long the page waits for the API server here (short, so the test is quick; the default is 3 s). */
const deadlineMs = 500;

type Mode = 'pass' | 'slow' | 'down';

/** A TCP proxy that forwards, holds every request byte (`slow`), or resets every connection (`down`). */
class DelayingProxy {
  mode: Mode = 'pass';
  private readonly sockets = new Set<Socket>();
  private readonly held: (() => void)[] = [];
  private server: Server | undefined;
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async start(): Promise<void> {
    this.server = createServer((client) => {
      if (this.mode === 'down') return client.resetAndDestroy();
      const upstream = connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.on('data', (chunk) => {
        // Bytes of a held request stay held, in order, until the proxy is stopped.
        if (this.mode === 'pass' && this.held.length === 0) upstream.write(chunk);
        else this.held.push(() => upstream.write(chunk));
      });
      upstream.on('data', (chunk) => client.write(chunk));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server!.address() as AddressInfo).port;
  }

  /** Resets every open connection (the informer's watch included) and refuses new ones. */
  goDown(): void {
    this.mode = 'down';
    for (const s of this.sockets) s.resetAndDestroy();
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

let cp: TestControlPlane;
let proxy: DelayingProxy;
let informer: Informer;
let server: RunningServer;
let close: () => void;
let dir: string;
const stopInformer = new AbortController();

before(async () => {
  cp = await testControlPlane();
  const direct = new KubeClient({ kubeConfig: loadKubeConfig(cp.kubeconfigPath) });
  await install(direct, { crdsOnly: true });
  await direct.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }, { fieldManager: 'test' });
  await direct.apply(
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web', namespace: ns }, data: { v: '1' } },
    { fieldManager: 'test' },
  );
  const ksRef = { apiVersion: ApiVersions.kustomize, kind: 'Kustomization', namespace: ns, name: 'app' };
  await direct.apply(
    {
      apiVersion: ksRef.apiVersion,
      kind: ksRef.kind,
      metadata: { name: 'app', namespace: ns },
      spec: { sourceRef: { kind: 'GitRepository', name: 'repo' }, interval: '1m', prune: true, path: './' },
    },
    { fieldManager: 'test' },
  );
  // The status a reconcile would have written: Ready, and one applied ConfigMap in the inventory.
  await direct.patch(
    ksRef,
    {
      status: {
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            reason: 'ReconciliationSucceeded',
            message: 'Applied revision: main@sha1:abc',
            lastTransitionTime: new Date().toISOString(),
          },
        ],
        inventory: { entries: [{ id: `${ns}_web__ConfigMap`, v: 'v1' }] },
      },
    },
    { type: 'merge', subresource: 'status' },
  );

  // The dashboard's client talks to the API server through the proxy (same certificates, another port).
  const kubeconfig = await readFile(cp.kubeconfigPath, 'utf8');
  const apiUrl = new URL(loadKubeConfig(cp.kubeconfigPath).getCurrentCluster()!.server);
  proxy = new DelayingProxy({ host: apiUrl.hostname, port: Number(apiUrl.port) });
  await proxy.start();
  dir = await mkdtemp(path.join(tmpdir(), 'driftless-slow-api-'));
  const proxied = path.join(dir, 'kubeconfig');
  await writeFile(proxied, kubeconfig.replaceAll(apiUrl.origin, `https://${apiUrl.hostname}:${proxy.port}`));
  const client = new KubeClient({ kubeConfig: loadKubeConfig(proxied) });
  informer = new Informer({
    client,
    apiVersion: ApiVersions.kustomize,
    kind: 'Kustomization',
    namespace: ns,
    logger: createLogger({ level: 'silent' }),
  });
  void informer.run(stopInformer.signal).catch(() => undefined);
  await informer.waitForSync();
  const made = createDashboardApp(
    {
      kinds: [{ apiVersion: ApiVersions.kustomize, kind: 'Kustomization', cache: informer }],
      events: new EventLog(),
      objectEvents: objectEventsReader(client),
      liveObjects: liveObjectsReader(client),
    },
    { apiDeadlineMs: deadlineMs, keepAliveMs: 0 },
  );
  close = made.close;
  server = await startHttpServer({ app: made.app, addr: '127.0.0.1:0' });
});

after(async () => {
  stopInformer.abort();
  close?.();
  await server?.close();
  await proxy?.stop();
  await cp?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Page {
  eventsFrom: string;
  eventsError?: string;
  row: { status: string };
  inventory: { nodes: { kind: string; name: string; health: string }[]; errors: string[] };
}

/** A page of the dashboard; a hang fails the test (the bound is far above the page's deadline). */
async function get<T>(p: string): Promise<T> {
  const res = await fetch(`${server.url}${p}`, { signal: AbortSignal.timeout(30_000) });
  assert.equal(res.status, 200, `${p}: ${res.status}`);
  return (await res.json()) as T;
}

const health = (page: Page): string[] => page.inventory.nodes.map((n) => `${n.kind}/${n.name} ${n.health}`);

test('with the API server answering, an object page has its events from it and its objects’ health', async () => {
  const page = await get<Page>(`/api/objects/Kustomization/${ns}/app`);
  assert.equal(page.eventsFrom, 'api-server');
  assert.deepEqual(health(page), ['ConfigMap/web Ready']);
  assert.deepEqual(page.inventory.errors, []);
});

test('with a slow API server, pages load from the cache and the object page says what it could not read', async () => {
  proxy.mode = 'slow';
  const list = await get<{ total: number }>(`/api/objects?namespace=${ns}`);
  assert.equal(list.total, 1);
  const overview = await get<{ kinds: { kind: string; ready: number }[] }>('/api/overview');
  assert.equal(overview.kinds.find((k) => k.kind === 'Kustomization')?.ready, 1);
  const page = await get<Page>(`/api/objects/Kustomization/${ns}/app`);
  assert.equal(page.row.status, 'ready', 'the object itself comes from the cache');
  assert.equal(page.eventsFrom, 'engine-memory');
  assert.match(page.eventsError ?? '', /did not list the events within 0\.5 s/);
  assert.deepEqual(health(page), ['ConfigMap/web Unknown']);
  assert.match(page.inventory.errors.join('\n'), /health of 1 object\(s\) is unknown: the API server did not return/);
});

test('with the API server unreachable, the object page still answers and names the failure', async () => {
  proxy.goDown();
  const page = await get<Page>(`/api/objects/Kustomization/${ns}/app`);
  assert.equal(page.row.status, 'ready');
  assert.equal(page.eventsFrom, 'engine-memory');
  assert.ok(page.eventsError, 'the error is given');
  assert.deepEqual(health(page), ['ConfigMap/web Unknown']);
  assert.equal(page.inventory.errors.length, 1);
  const list = await get<{ total: number }>(`/api/objects?namespace=${ns}`);
  assert.equal(list.total, 1, 'the cache keeps serving lists');
});
