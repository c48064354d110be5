// The dashboard with 5,000 Flux objects on the local control plane: how long each page's API call takes
// and how long each page takes to render in headless Chromium. A measurement, not a test: it prints
// numbers and the load average, and asserts nothing.
//
// The dashboard runs in this process over real informers (the engine's own wiring minus the reconcilers,
// which would try to reconcile the 5,000 made-up objects); its object page reads the API server as the
// engine's does (events, the health of the applied objects).
//
// Usage: node --import tsx bench/dashboard.ts [--objects 5000] [--repeat 5] [--inventory 20]
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { ApiVersions } from '../src/api/constants.ts';
import { startControlPlane } from '../src/devenv/control-plane.ts';
import { install } from '../src/install/install.ts';
import { KubeClient } from '../src/kube/client.ts';
import { loadKubeConfig } from '../src/kube/config.ts';
import type { KubeObject } from '../src/kube/types.ts';
import { startHttpServer } from '../src/runtime/http-server.ts';
import { Informer } from '../src/runtime/informer.ts';
import { createLogger } from '../src/runtime/logger.ts';
import { createDashboardApp } from '../src/web/api.ts';
import { liveObjectsReader, objectEventsReader } from '../src/web/cluster-lookups.ts';
import { EventLog } from '../src/web/event-log.ts';
import { dashboardAssetsDir } from '../src/web/setup.ts';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const objects = arg('objects', 5000);
const repeat = arg('repeat', 5);
const inventorySize = arg('inventory', 20);
const ns = 'bench-dashboard';
const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** Runs `fn` with at most `n` in flight. */
async function pool(count: number, n: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < count) await fn(next++);
    }),
  );
}

const ksName = (i: number): string => `app-${String(i).padStart(4, '0')}`;

/** One in ten failing, one in fifty suspended, the rest Ready; app-0000 applied `inventorySize` ConfigMaps. */
function kustomization(i: number): KubeObject {
  return {
    apiVersion: ApiVersions.kustomize,
    kind: 'Kustomization',
    metadata: { name: ksName(i), namespace: ns },
    spec: {
      sourceRef: { kind: 'GitRepository', name: 'repo' },
      interval: '10m',
      prune: true,
      path: `./apps/${i}`,
      suspend: i % 50 === 1,
      ...(i > 0 && i % 7 === 0 ? { dependsOn: [{ name: ksName(i - 1) }] } : {}),
    },
  };
}

function statusOf(i: number): Record<string, unknown> {
  const failing = i % 10 === 3;
  return {
    observedGeneration: 1,
    lastAppliedRevision: 'main@sha1:0123456789abcdef0123456789abcdef01234567',
    conditions: [
      {
        type: 'Ready',
        status: failing ? 'False' : 'True',
        reason: failing ? 'BuildFailed' : 'ReconciliationSucceeded',
        message: failing ? `kustomize build failed: accumulating resources in ./apps/${i}` : 'Applied revision',
        lastTransitionTime: new Date().toISOString(),
      },
    ],
    ...(i === 0
      ? {
          inventory: {
            entries: Array.from({ length: inventorySize }, (_, k) => ({ id: `${ns}_cm-${k}__ConfigMap`, v: 'v1' })),
          },
        }
      : {}),
  };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'driftless-bench-dashboard-'));
  const started = { load: load() };
  const cp = await startControlPlane({ dir });
  const stop = new AbortController();
  try {
    const client = new KubeClient({ kubeConfig: loadKubeConfig(cp.kubeconfigPath) });
    await install(client, { crdsOnly: true });
    await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }, { fieldManager: 'bench' });
    const t0 = performance.now();
    await pool(inventorySize, 8, async (k) => {
      await client.apply(
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${k}`, namespace: ns }, data: { v: String(k) } },
        { fieldManager: 'bench' },
      );
    });
    await client.apply(
      {
        apiVersion: ApiVersions.source,
        kind: 'GitRepository',
        metadata: { name: 'repo', namespace: ns },
        spec: { url: 'https://github.com/example/fleet', interval: '10m', ref: { branch: 'main' } },
      },
      { fieldManager: 'bench' },
    );
    await pool(objects, 16, async (i) => {
      const obj = kustomization(i);
      await client.apply(obj, { fieldManager: 'bench' });
      await client.patch(
        { apiVersion: obj.apiVersion, kind: obj.kind, namespace: ns, name: obj.metadata.name },
        { status: statusOf(i) },
        { type: 'merge', subresource: 'status' },
      );
    });
    const createdMs = performance.now() - t0;

    const logger = createLogger({ level: 'silent' });
    const kinds = [
      { apiVersion: ApiVersions.kustomize, kind: 'Kustomization' },
      { apiVersion: ApiVersions.source, kind: 'GitRepository' },
    ].map((k) => ({ ...k, cache: new Informer({ client, ...k, logger }) }));
    const t1 = performance.now();
    for (const k of kinds) void k.cache.run(stop.signal).catch(() => undefined);
    await Promise.all(kinds.map((k) => k.cache.waitForSync()));
    const syncMs = performance.now() - t1;

    const made = createDashboardApp(
      {
        kinds,
        events: new EventLog(),
        objectEvents: objectEventsReader(client),
        liveObjects: liveObjectsReader(client),
      },
      { assetsDir: dashboardAssetsDir, keepAliveMs: 0 },
    );
    const server = await startHttpServer({ app: made.app, addr: '127.0.0.1:0' });
    const rows: { page: string; what: string; medianMs: number; bytes: number }[] = [];
    try {
      const calls: [string, string][] = [
        ['overview', '/api/overview'],
        ['list (first 100)', `/api/objects?namespace=${ns}`],
        ['list, failing', `/api/objects?namespace=${ns}&status=failing`],
        ['list, text search', `/api/objects?q=app-4999`],
        ['list, rows 4,501-5,000', `/api/objects?pageSize=500&page=10`],
        ['object (20 applied objects)', `/api/objects/Kustomization/${ns}/${ksName(0)}`],
        ['graph', `/api/graph?namespace=${ns}`],
      ];
      for (const [page, url] of calls) {
        const times: number[] = [];
        let bytes = 0;
        for (let r = 0; r < repeat; r++) {
          const s = performance.now();
          const res = await fetch(`${server.url}${url}`);
          bytes = (await res.arrayBuffer()).byteLength;
          times.push(performance.now() - s);
          if (!res.ok) throw new Error(`${url}: ${res.status}`);
        }
        rows.push({ page, what: 'API call', medianMs: median(times), bytes });
      }
      await renderTimes(server.url, rows);
    } finally {
      made.close();
      await server.close();
    }
    console.log(
      `\nDashboard with ${objects} Kustomizations (+1 GitRepository), median of ${repeat}; load average ${started.load} at start, ${load()} at the end`,
    );
    console.log(`created in ${(createdMs / 1000).toFixed(1)} s; informers synced in ${Math.round(syncMs)} ms\n`);
    console.log('| page | what | median ms | bytes |\n| --- | --- | ---: | ---: |');
    for (const r of rows) console.log(`| ${r.page} | ${r.what} | ${Math.round(r.medianMs)} | ${r.bytes || ''} |`);
  } finally {
    stop.abort();
    await cp.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Navigation to the page's main element shown, in Debian's chromium; skipped (said) without it. */
async function renderTimes(
  base: string,
  rows: { page: string; what: string; medianMs: number; bytes: number }[],
): Promise<void> {
  const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
  if (!chromium) {
    console.log('no chromium: render times skipped');
    return;
  }
  const { chromium: pw } = await import('playwright-core');
  const browser = await pw.launch({ executablePath: chromium, args: ['--no-sandbox'] });
  try {
    const pages: [string, string, string][] = [
      ['overview', '#/', '.kind-card[data-kind="Kustomization"]'],
      ['list (first 100)', `#/objects?namespace=${ns}`, `tr[data-name="${ksName(0)}"]`],
      ['object (20 applied objects)', `#/object/Kustomization/${ns}/${ksName(0)}`, '.tree li[data-node] [data-health]'],
      ['graph', `#/graph?namespace=${ns}`, `.node[data-id="Kustomization/${ns}/${ksName(7)}"]`],
    ];
    for (const [name, hash, selector] of pages) {
      const times: number[] = [];
      for (let r = 0; r < repeat; r++) {
        // A fresh page each time: nothing cached in the tab between tries.
        const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
        const s = performance.now();
        await page.goto(`${base}/${hash}`);
        await page.locator(selector).first().waitFor({ timeout: 120_000 });
        times.push(performance.now() - s);
        await page.close();
      }
      rows.push({ page: name, what: 'render (load to shown)', medianMs: median(times), bytes: 0 });
    }
  } finally {
    await browser.close();
  }
}

await main();
