// One benchmark run on its own control plane: the engine in a child process, then the kubectl baseline.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ApiVersions } from '../src/api/constants.ts';
import { fakeNode } from '../src/devenv/control-plane/boot.ts';
import { KubeClient } from '../src/kube/client.ts';
import { loadKubeConfig } from '../src/kube/config.ts';
import type { KubeObject } from '../src/kube/types.ts';
import { gitRepository, kustomization, startTestEnv, type TestEnv } from '../test/support/env.ts';
import { mapLimited, runBaseline } from './baseline.ts';
import { metricsUrlFromLog, scrapeSummary } from './engine-metrics.ts';
import { startEngineProcess, type EngineProcess } from './engine-process.ts';
import { objectCount, type BenchFixture } from './fixtures.ts';
import { fluxReady, kustomizationsReady, objectsReady, pollUntil, seconds } from './readiness.ts';
import type { BenchRow } from './report.ts';

/** Options of {@link runBenchmark}. */
export type BenchmarkOptions = {
  /** Row label, e.g. `P1 (N=100)`. */
  label: string;
  fixture: BenchFixture;
  /** Limit of each wait (engine Ready, baseline Ready). */
  timeoutMs: number;
  kubectlBin: string;
  kustomizeBin: string;
  /** `--concurrent` of the engine; default: the engine's default. */
  concurrent?: number;
  /** `--log-level` of the engine; default `info`. */
  engineLogLevel?: string;
  log: (line: string) => void;
  signal?: AbortSignal;
};

const ENGINE_NS = 'bench-engine';
const BASELINE_NS = 'bench-baseline';
/** Each fake Node takes 250 Pods; keep headroom so the scheduler never runs out. */
const PODS_PER_NODE = 200;

/**
 * Starts a control plane and Git server, runs the fixture through the engine (time from the first Kustomization
 * create until all are Ready, peak RSS), then through kubectl, and stops everything. Never throws for a failed
 * measurement: the row carries a note saying how far it got. Throws only when aborted.
 */
export async function runBenchmark(opts: BenchmarkOptions): Promise<BenchRow> {
  const row: BenchRow = { benchmark: opts.label, objects: objectCount(opts.fixture) };
  const log = (line: string): void => opts.log(`[${opts.label}] ${line.trimStart()}`);
  log('starting a control plane, a Git server and the CRDs');
  const env = await startTestEnv({ engine: false });
  let engine: EngineProcess | undefined;
  try {
    const client = new KubeClient({ kubeConfig: loadKubeConfig(env.kubeconfigPath), qps: 1000, burst: 2000 });
    await addNodes(client, opts.fixture.expected.Deployment * 2, { ...opts, log });
    const url = await env.createRepo('bench', opts.fixture.files);
    await env.namespace(ENGINE_NS);
    await env.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: BASELINE_NS } });

    const logFile = path.join(env.tmp, 'engine.log');
    log(`starting the engine (driftless run), log ${logFile}`);
    engine = await startEngineProcess({
      kubeconfig: env.kubeconfigPath,
      storagePath: path.join(env.tmp, 'storage'),
      logFile,
      ...(opts.concurrent ? { concurrent: opts.concurrent } : {}),
      ...(opts.engineLogLevel ? { logLevel: opts.engineLogLevel } : {}),
    });
    const running = engine;
    await env.apply(gitRepository(ENGINE_NS, 'bench', url, { interval: '60m' }));
    await pollUntil({
      what: 'the GitRepository to be Ready (engine started, artifact stored)',
      check: async () => {
        const repo = await env.get(ref('GitRepository', 'bench'));
        const state = repo ? fluxReady(repo) : { ready: false, reason: 'NotFound' };
        return { done: state.ready, progress: state.reason };
      },
      timeoutMs: 120_000,
      failIf: () => running.exited(),
      log,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });

    const idleRss = await running.peakRssBytes();
    log(`engine: peak RSS before any Kustomization ${Math.round((idleRss ?? 0) / 1024 / 1024)} MiB`);
    try {
      row.driftlessReadyMs = await measureEngine(env, client, running, opts, log);
      row.peakRssBytes = await running.peakRssBytes();
      const check = await objectsReady(client, ENGINE_NS, opts.fixture);
      log(`engine: ${check.progress}; peak RSS ${Math.round((row.peakRssBytes ?? 0) / 1024 / 1024)} MiB`);
    } catch (err) {
      opts.signal?.throwIfAborted();
      row.peakRssBytes = await running.peakRssBytes();
      row.note = `engine: ${messageOf(err)}`;
      log(`engine run failed: ${messageOf(err)}\n--- engine log tail ---\n${await running.logTail()}`);
    }
    log(`engine metrics: ${await scrapeSummary(metricsUrlFromLog(await readFile(logFile, 'utf8')))}`);
    log('stopping the engine before the baseline');
    await running.stop();

    try {
      const base = await runBaseline({
        client,
        kubeconfig: env.kubeconfigPath,
        kubectlBin: opts.kubectlBin,
        kustomizeBin: opts.kustomizeBin,
        fixture: opts.fixture,
        namespace: BASELINE_NS,
        timeoutMs: opts.timeoutMs,
        log,
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      row.baselineAppliedMs = base.appliedMs;
      row.baselineReadyMs = base.readyMs;
      log(
        `baseline: built ${seconds(base.builtMs)}, apply returned ${seconds(base.appliedMs)}, Ready ${seconds(base.readyMs)}`,
      );
    } catch (err) {
      opts.signal?.throwIfAborted();
      row.note = [row.note, `baseline: ${messageOf(err)}`].filter(Boolean).join('; ');
      log(`baseline failed: ${messageOf(err)}`);
    }
    return row;
  } finally {
    log('cleaning up: engine, Git server, control plane, temp dirs');
    await engine?.stop();
    await env.stop();
  }
}

/** Creates the Kustomizations and waits until all are Ready; returns ms since the first create. */
async function measureEngine(
  env: TestEnv,
  client: KubeClient,
  engine: EngineProcess,
  opts: BenchmarkOptions,
  log: (l: string) => void,
): Promise<number> {
  const units = opts.fixture.units;
  log(
    `engine: creating ${units.length} Kustomization${units.length === 1 ? '' : 's'} (wait: true, targetNamespace ${ENGINE_NS})`,
  );
  const start = performance.now();
  await mapLimited(units, 16, (u) =>
    client.apply(
      kustomization(ENGINE_NS, u.name, 'bench', {
        path: u.path,
        targetNamespace: ENGINE_NS,
        wait: true,
        interval: '60m',
        retryInterval: '30s',
        timeout: `${Math.ceil(opts.timeoutMs / 1000)}s`,
      }),
      { fieldManager: 'bench' },
    ),
  );
  log(`engine: created them in ${seconds(performance.now() - start)}`);
  await pollUntil({
    what: `${units.length} Kustomization${units.length === 1 ? '' : 's'} to be Ready`,
    check: () => kustomizationsReady(env.client, ENGINE_NS, units.length),
    timeoutMs: opts.timeoutMs,
    failIf: () => engine.exited(),
    log,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  return performance.now() - start;
}

/** Adds fake kwok Nodes so that `pods` Pods fit (the control plane starts with one Node of 250 Pods). */
async function addNodes(client: KubeClient, pods: number, opts: BenchmarkOptions): Promise<void> {
  const extra = Math.ceil(pods / PODS_PER_NODE) - 1;
  if (extra <= 0) return;
  const names = Array.from({ length: extra }, (_, i) => `bench-node-${i + 1}`);
  opts.log(`adding ${extra} fake Node${extra === 1 ? '' : 's'} for ${pods} Pods`);
  for (const name of names) await client.apply(fakeNode(name) as KubeObject, { fieldManager: 'bench' });
  await pollUntil({
    what: `${extra} extra Nodes to be Ready`,
    check: async () => {
      const nodes = await client.list<KubeObject & { status?: { conditions?: { type: string; status: string }[] } }>(
        'v1',
        'Node',
      );
      const ready = nodes.items.filter(
        (n) =>
          names.includes(n.metadata.name) &&
          n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      ).length;
      return { done: ready === extra, progress: `${ready}/${extra} Ready` };
    },
    timeoutMs: 60_000,
    log: opts.log,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
}

const ref = (kind: string, name: string) => ({ apiVersion: ApiVersions.source, kind, namespace: ENGINE_NS, name });
const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));
