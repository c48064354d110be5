// P9 (N HelmReleases of a four-object chart from a GitRepository: time to all Ready) beside Flux's source- and
// helm-controller.
import { mapLimited } from '../baseline.ts';
import { p9Fixture, P9_CHART_PATH } from '../fixtures.ts';
import { delta, totalRequests, treeRssSampler } from '../measure.ts';
import { fluxObjectsReady, pollUntil } from '../readiness.ts';
import type { Line } from '../report.ts';
import { FluxApi, withEngine, type Session, type Turn } from '../session.ts';
import { alternate, toLines, type Measured, type MetricSpec } from './common.ts';
import type { KubeObject } from '../../src/kube/types.ts';

const P9_METRICS: MetricSpec[] = [
  { id: 'time', metric: 'time to all Ready', unit: 'ms', target: { maxRatio: 0.5 } },
  { id: 'cpu', metric: 'CPU-seconds (engine processes + children, reaped or live)', unit: 'cpu' },
  { id: 'peakRss', metric: 'peak RSS (sum of VmHWM)', unit: 'bytes' },
  { id: 'treePeak', metric: 'peak RSS incl. live children (sampled 4/s)', unit: 'bytes' },
  { id: 'treePss', metric: 'peak PSS incl. live children (shared pages counted once; sampled 4/s)', unit: 'bytes' },
  { id: 'requests', metric: 'API requests (rest_client_requests_total)', unit: 'count' },
];

/** A HelmRelease `name` in `ns` installing the fixture's chart from the GitRepository `bench` (Flux's defaults). */
export function benchHelmRelease(ns: string, name: string, timeoutMs: number): KubeObject {
  return {
    apiVersion: FluxApi.helm,
    kind: 'HelmRelease',
    metadata: { name, namespace: ns },
    spec: {
      interval: '60m',
      timeout: `${Math.ceil(timeoutMs / 1000)}s`,
      chart: {
        spec: { chart: P9_CHART_PATH, sourceRef: { kind: 'GitRepository', name: 'bench' }, interval: '60m' },
      },
    },
  };
}

async function waitAllReleased(s: Session, t: Turn, n: number): Promise<number> {
  return await pollUntil({
    what: `${n} HelmReleases to be Ready`,
    check: () => fluxObjectsReady(s.client, FluxApi.helm, 'HelmRelease', t.ns, n),
    timeoutMs: s.opts.timeoutMs,
    failIf: () => t.engine.exited(),
    log: t.log,
    ...(s.opts.signal ? { signal: s.opts.signal } : {}),
  });
}

/** Runs P9 with `n` HelmReleases on both engines (Flux: source-controller and helm-controller). */
export async function runP9(s: Session, n: number, repetitions: number): Promise<Line[]> {
  const fixture = p9Fixture(n);
  const outcomes = await alternate(s, repetitions, (engine, m: Measured) =>
    withEngine(s, { row: `p9-n${n}`, engine, files: fixture.files, helm: true }, async (t) => {
      const sampler = treeRssSampler(t.engine, s.ticks);
      try {
        const before = await t.snapshot();
        t.log(`creating ${n} HelmReleases`);
        await mapLimited(fixture.units, 16, (u) =>
          s.client.apply(benchHelmRelease(t.ns, u.name, s.opts.timeoutMs), { fieldManager: 'bench' }),
        );
        await waitAllReleased(s, t, n);
        const d = delta(before, await t.snapshot());
        Object.assign(m, {
          time: d.ms,
          cpu: d.cpuSeconds,
          peakRss: d.peakRssBytes,
          treePeak: sampler.peakBytes(),
          treePss: sampler.peakPssBytes(),
          requests: totalRequests(d),
        });
        t.log(`all Ready in ${(d.ms / 1000).toFixed(1)} s`);
      } finally {
        await sampler.stop();
      }
    }),
  );
  return toLines(
    `P9 N=${n}`,
    P9_METRICS,
    outcomes,
    {},
    "Flux: source-controller + helm-controller; both engines run Helm's own code (Driftless: the helm v4 CLI)",
  );
}
