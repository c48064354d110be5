// P2 (one Kustomization x N ConfigMaps: create, then a change to every object) and P3 (the same Kustomization
// re-reconciled 10 times with nothing changed: CPU and API requests per reconcile).
import type { KubeObject } from '../../src/kube/types.ts';
import { runBaseline } from '../baseline.ts';
import { p2Fixture } from '../fixtures.ts';
import { delta, nonGetRequests, totalRequests } from '../measure.ts';
import { fluxReady, pollUntil } from '../readiness.ts';
import type { Line } from '../report.ts';
import { FluxApi, REQUESTED_AT, retire, withEngine, type Session, type Turn } from '../session.ts';
import { alternate, toLines, type Measured, type MetricSpec } from './common.ts';
import { createKustomizations } from './p1.ts';
import { readApiServerMetrics } from './shards.ts';

const P2_METRICS: MetricSpec[] = [
  { id: 'createTime', metric: 'create: time to Ready', unit: 'ms', target: { maxRatio: 0.5 } },
  { id: 'createCpu', metric: 'create: CPU-seconds', unit: 'cpu' },
  { id: 'createRequests', metric: 'create: API requests', unit: 'count' },
  { id: 'changeTime', metric: 'change every object: push to Ready', unit: 'ms', target: { maxRatio: 0.5 } },
  { id: 'changeCpu', metric: 'change: CPU-seconds', unit: 'cpu' },
  { id: 'changeRequests', metric: 'change: API requests', unit: 'count' },
  { id: 'peakRss', metric: 'peak RSS (sum of VmHWM)', unit: 'bytes' },
];

type Ks = KubeObject & {
  status?: { lastAppliedRevision?: string; lastHandledReconcileAt?: string } & Parameters<
    typeof fluxReady
  >[0]['status'];
};

/** Polls the turn's Kustomization until `done` holds for it and it is Ready; returns ms since the call. */
async function waitKustomization(s: Session, t: Turn, what: string, done: (ks: Ks) => boolean): Promise<number> {
  const ref = { apiVersion: FluxApi.kustomize, kind: 'Kustomization', namespace: t.ns, name: 'configmaps' };
  return await pollUntil({
    what,
    check: async () => {
      const ks = await s.client.get<Ks>(ref);
      const ready = ks ? fluxReady(ks) : { ready: false, reason: 'NotFound' };
      return { done: !!ks && ready.ready && done(ks), progress: ready.reason };
    },
    timeoutMs: s.opts.timeoutMs,
    intervalMs: 200,
    failIf: () => t.engine.exited(),
    log: (l) => {
      if (!l.includes('waiting')) t.log(l);
    },
    ...(s.opts.signal ? { signal: s.opts.signal } : {}),
  });
}

/** Runs P2 and P3 with `count` ConfigMaps on both engines, then the kubectl floor of P2. */
export async function runP2(s: Session, count: number, repetitions: number, noopReconciles: number): Promise<Line[]> {
  const outcomes = await alternate(s, repetitions, (engine, m: Measured) =>
    withEngine(s, { row: 'p2', engine, files: p2Fixture(count).files }, async (t) => {
      const repo = t.repo as string;
      let before = await t.snapshot();
      await createKustomizations(s, t.ns, p2Fixture(count).units);
      await waitKustomization(s, t, `Kustomization of ${count} ConfigMaps to be Ready`, () => true);
      let d = delta(before, await t.snapshot());
      Object.assign(m, { createTime: d.ms, createCpu: d.cpuSeconds, createRequests: totalRequests(d) });

      const sha = await s.env.commit(repo, p2Fixture(count, 2).files, 'change every ConfigMap');
      before = await t.snapshot();
      await s.client.patch(
        { apiVersion: FluxApi.source, kind: 'GitRepository', namespace: t.ns, name: 'bench' },
        { metadata: { annotations: { [REQUESTED_AT]: `p2-${Date.now()}` } } },
      );
      await waitKustomization(s, t, `the change (${sha.slice(0, 7)}) to be applied`, (ks) =>
        (ks.status?.lastAppliedRevision ?? '').includes(sha),
      );
      d = delta(before, await t.snapshot());
      Object.assign(m, { changeTime: d.ms, changeCpu: d.cpuSeconds, changeRequests: totalRequests(d) });

      before = await t.snapshot();
      const serverBefore = await readApiServerMetrics(s);
      for (let i = 1; i <= noopReconciles; i++) {
        const token = `p3-${i}-${Date.now()}`;
        await s.client.patch(
          { apiVersion: FluxApi.kustomize, kind: 'Kustomization', namespace: t.ns, name: 'configmaps' },
          { metadata: { annotations: { [REQUESTED_AT]: token } } },
        );
        await waitKustomization(
          s,
          t,
          `no-op reconcile ${i}/${noopReconciles}`,
          (ks) => ks.status?.lastHandledReconcileAt === token,
        );
      }
      d = delta(before, await t.snapshot());
      const serverAfter = await readApiServerMetrics(s);
      const objectWrites =
        serverBefore && serverAfter
          ? (serverAfter.writes['configmaps'] ?? 0) - (serverBefore.writes['configmaps'] ?? 0)
          : undefined;
      const per = (v: number | undefined): number | undefined => (v === undefined ? undefined : v / noopReconciles);
      Object.assign(m, {
        noopTime: d.ms / noopReconciles,
        noopCpu: d.cpuSeconds / noopReconciles,
        noopRequests: per(totalRequests(d)),
        noopNonGet: per(nonGetRequests(d)),
        noopObjectWrites: per(objectWrites),
        noopRequestsPerObject: per(totalRequests(d)) === undefined ? undefined : (per(totalRequests(d)) ?? 0) / count,
        peakRss: d.peakRssBytes,
      });
    }),
  );
  const p3: MetricSpec[] = [
    { id: 'noopTime', metric: 'time per reconcile (request to handled)', unit: 'ms' },
    { id: 'noopCpu', metric: 'CPU-seconds per reconcile', unit: 'cpu', target: { maxRatio: 0.3 } },
    { id: 'noopRequests', metric: 'API requests per reconcile', unit: 'count' },
    { id: 'noopRequestsPerObject', metric: 'API requests per reconcile per object', unit: 'count', target: { max: 1 } },
    // Every requested reconcile writes its status (lastHandledReconcileAt), so the engines' non-GET count is not 0.
    { id: 'noopNonGet', metric: 'non-GET requests per reconcile (status patch included)', unit: 'count' },
    {
      id: 'noopObjectWrites',
      metric: 'writes and dry-runs of the applied ConfigMaps per reconcile (API server count)',
      unit: 'count',
      target: { max: 0 },
    },
  ];
  const floor = s.opts.floor === false ? { measured: {} } : await p2Floor(s, count);
  return [
    ...toLines(`P2 1 x ${count}`, P2_METRICS, outcomes, floor.measured, floor.note),
    ...toLines(`P3 ${noopReconciles} no-op x ${count}`, p3, outcomes),
  ];
}

/** kubectl floor: apply the N ConfigMaps, then apply the changed ones. */
async function p2Floor(s: Session, count: number): Promise<{ measured: Measured; note?: string }> {
  const ns = 'p2-kubectl';
  const log = (l: string): void => s.opts.log(`[${ns}] ${l.trimStart()}`);
  await s.env.namespace(ns);
  const base = {
    client: s.client,
    kubeconfig: s.env.kubeconfigPath,
    kubectlBin: s.opts.kubectlBin,
    kustomizeBin: s.opts.kustomizeBin,
    namespace: ns,
    timeoutMs: s.opts.timeoutMs,
    log,
    ...(s.opts.signal ? { signal: s.opts.signal } : {}),
  };
  try {
    const create = await runBaseline({ ...base, fixture: p2Fixture(count) });
    const change = await runBaseline({ ...base, fixture: p2Fixture(count, 2) });
    return { measured: { createTime: create.readyMs, changeTime: change.appliedMs } };
  } catch (err) {
    s.opts.signal?.throwIfAborted();
    return { measured: {}, note: `kubectl floor: ${err instanceof Error ? err.message : String(err)}` };
  } finally {
    await retire(s, ns, log);
  }
}
