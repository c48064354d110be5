// P1 (N Kustomizations x 4 objects, wait: true: time to all Ready) and P4 (steady-state memory with them Ready).
import { setTimeout as sleep } from 'node:timers/promises';
import { kustomization } from '../../test/support/env.ts';
import { mapLimited, runBaseline } from '../baseline.ts';
import { p1Fixture } from '../fixtures.ts';
import { delta, totalRequests, treeRssSampler } from '../measure.ts';
import { kustomizationsReady, pollUntil } from '../readiness.ts';
import type { Line } from '../report.ts';
import { retire, withEngine, type Session, type Turn } from '../session.ts';
import { alternate, toLines, type Measured, type MetricSpec } from './common.ts';

const P1_METRICS: MetricSpec[] = [
  { id: 'time', metric: 'time to all Ready', unit: 'ms', target: { maxRatio: 0.5 } },
  { id: 'cpu', metric: 'CPU-seconds (engine processes + children, reaped or live)', unit: 'cpu' },
  { id: 'peakRss', metric: 'peak RSS (sum of VmHWM)', unit: 'bytes', target: { maxRatio: 0.6 } },
  { id: 'treePeak', metric: 'peak RSS incl. live children (sampled 4/s)', unit: 'bytes' },
  { id: 'treePss', metric: 'peak PSS incl. live children (shared pages counted once; sampled 4/s)', unit: 'bytes' },
  { id: 'requests', metric: 'API requests (rest_client_requests_total)', unit: 'count' },
];
const P4_METRICS: MetricSpec[] = [
  { id: 'steadyRss', metric: 'steady-state RSS, all Ready (sum of VmRSS)', unit: 'bytes' },
];

/**
 * Creates the fixture's Kustomizations in `ns` (16 at a time) with `targetNamespace: ns` and `wait: true` (unless
 * `wait` is false), each with the labels `labels` gives it (e.g. its shard).
 */
export async function createKustomizations(
  s: Session,
  ns: string,
  units: readonly { name: string; path: string }[],
  interval = '60m',
  opts: { wait?: boolean; labels?: (index: number) => Record<string, string> } = {},
): Promise<void> {
  await mapLimited(
    units.map((u, index) => ({ ...u, index })),
    16,
    (u) => {
      const ks = kustomization(ns, u.name, 'bench', {
        path: u.path,
        targetNamespace: ns,
        wait: opts.wait ?? true,
        interval,
        retryInterval: '30s',
        timeout: `${Math.ceil(s.opts.timeoutMs / 1000)}s`,
      });
      if (opts.labels) ks.metadata.labels = opts.labels(u.index);
      return s.client.apply(ks, { fieldManager: 'bench' });
    },
  );
}

/** Waits until all `n` Kustomizations of the turn's namespace are Ready, failing early if the engine exits. */
export async function waitAllReady(s: Session, t: Turn, n: number): Promise<number> {
  return await pollUntil({
    what: `${n} Kustomizations to be Ready`,
    check: () => kustomizationsReady(s.client, t.ns, n),
    timeoutMs: s.opts.timeoutMs,
    failIf: () => t.engine.exited(),
    log: t.log,
    ...(s.opts.signal ? { signal: s.opts.signal } : {}),
  });
}

/** Runs P1 with `n` Kustomizations on both engines, then the kubectl floor; returns the P1 and P4 lines. */
export async function runP1(s: Session, n: number, repetitions: number): Promise<Line[]> {
  const fixture = p1Fixture(n);
  const outcomes = await alternate(s, repetitions, (engine, m: Measured) =>
    withEngine(s, { row: `p1-n${n}`, engine, files: fixture.files }, async (t) => {
      const sampler = treeRssSampler(t.engine, s.ticks);
      try {
        const before = await t.snapshot();
        t.log(`creating ${n} Kustomizations`);
        await createKustomizations(s, t.ns, fixture.units);
        await waitAllReady(s, t, n);
        const d = delta(before, await t.snapshot());
        Object.assign(m, {
          time: d.ms,
          cpu: d.cpuSeconds,
          peakRss: d.peakRssBytes,
          treePeak: sampler.peakBytes(),
          treePss: sampler.peakPssBytes(),
          requests: totalRequests(d),
        });
        t.log(`all Ready in ${(d.ms / 1000).toFixed(1)} s; settling ${s.opts.settleMs / 1000} s for P4`);
        await sleep(s.opts.settleMs, undefined, s.opts.signal ? { signal: s.opts.signal } : {});
        m['steadyRss'] = (await t.snapshot()).proc.rssBytes;
      } finally {
        await sampler.stop();
      }
    }),
  );
  const floor = s.opts.floor === false ? { measured: {} } : await p1Floor(s, n);
  return [
    ...toLines(`P1 N=${n}`, P1_METRICS, outcomes, floor.measured, floor.note),
    ...toLines(`P4 N=${n}`, P4_METRICS, outcomes),
  ];
}

/** The raw floor: `kustomize build` of the same directories piped to one `kubectl apply --server-side`. */
async function p1Floor(s: Session, n: number): Promise<{ measured: Measured; note?: string }> {
  const ns = `p1-n${n}-kubectl`;
  const log = (l: string): void => s.opts.log(`[${ns}] ${l.trimStart()}`);
  await s.env.namespace(ns);
  try {
    const base = await runBaseline({
      client: s.client,
      kubeconfig: s.env.kubeconfigPath,
      kubectlBin: s.opts.kubectlBin,
      kustomizeBin: s.opts.kustomizeBin,
      fixture: p1Fixture(n),
      namespace: ns,
      timeoutMs: s.opts.timeoutMs,
      log,
      ...(s.opts.signal ? { signal: s.opts.signal } : {}),
    });
    return { measured: { time: base.readyMs } };
  } catch (err) {
    s.opts.signal?.throwIfAborted();
    return { measured: {}, note: `kubectl floor: ${err instanceof Error ? err.message : String(err)}` };
  } finally {
    await retire(s, ns, log);
  }
}
