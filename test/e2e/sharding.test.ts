// Sharding as Flux does it: a main instance (`--watch-label-selector=!sharding.fluxcd.io/key`) and two shards
// (`sharding.fluxcd.io/key=shard1`, `=shard2`) on one control plane, each with its own leader Lease, plus a
// standby replica of shard1. 60 Kustomizations spread over the three: each is reconciled by exactly one process
// (the events' reportingInstance per object, each process's metrics); a Kustomization relabelled while its
// shard waits on its health check is handed over (the old shard stops and writes nothing more, the new one
// finishes, finalizer and inventory carry over, nothing orphaned); a killed shard leader is replaced by the
// standby through the shard's Lease. The processes are started once and shared by every test.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { shardLeaseName } from '../../src/config/flags.ts';
import type { KubeObject } from '../../src/kube/types.ts';
import { gitRepository, ksRef, kustomization, startTestEnv, type TestEnv } from '../support/env.ts';
import {
  metricValue,
  runDriftlessToExit,
  startDriftless,
  type DriftlessProcess,
} from '../support/driftless-process.ts';

type CoreEvent = KubeObject & {
  reportingInstance?: string;
  reason?: string;
  involvedObject: { kind: string; name: string };
};
type Ks = KubeObject & {
  status?: {
    inventory?: { entries: { id: string }[] };
    conditions?: { type: string; status: string; message: string }[];
  };
};

let env: TestEnv;
const ns = 'shards';
const key = 'sharding.fluxcd.io/key';
const mainSelector = `!${key}`;
const shardSelector = (shard: string): string => `${key}=${shard}`;
const N = 60;
/** Kustomization i belongs to the main instance (i % 3 == 0), shard1 (1) or shard2 (2). */
const owner = (i: number): 'main' | 'shard1' | 'shard2' => (['main', 'shard1', 'shard2'] as const)[i % 3]!;
const labelsOf = (shard: string): Record<string, string> | undefined =>
  shard === 'main' ? undefined : { [key]: shard };
const procs = new Map<string, DriftlessProcess>();
const proc = (identity: string): DriftlessProcess => procs.get(identity)!;

const withLabels = <T extends { metadata: { labels?: Record<string, string> } }>(
  obj: T,
  labels?: Record<string, string>,
): T => (labels ? { ...obj, metadata: { ...obj.metadata, labels } } : obj);

// Short Lease times so a killed leader is replaced within seconds.
const common = [
  '--enable-leader-election=true',
  '--leader-election-lease-duration=6s',
  '--leader-election-renew-deadline=4s',
  '--leader-election-retry-period=1s',
];
/** A shard runs the source and kustomize groups only: the main instance serves notifications and the report. */
const shardArgs = (shard: string): string[] => [
  ...common,
  '--watch-label-selector',
  shardSelector(shard),
  '--controllers=source-controller,kustomize-controller',
];
const shardLease = (shard: string): string =>
  shardLeaseName('driftless-leader-election-source-kustomize', shardSelector(shard));

const reportersOf = async (name: string, reason?: string): Promise<string[]> => {
  const events = await env.client.list<CoreEvent>('v1', 'Event', { namespace: ns });
  const reporters = events.items
    .filter((e) => e.involvedObject.kind === 'Kustomization' && e.involvedObject.name === name)
    .filter((e) => !reason || e.reason === reason)
    .map((e) => e.reportingInstance ?? '');
  return [...new Set(reporters)].sort();
};
const leaseHolder = async (name: string): Promise<string | undefined> =>
  (
    (await env.get({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: 'flux-system', name })) as
      { spec?: { holderIdentity?: string } } | undefined
  )?.spec?.holderIdentity;
/** Seconds the longest Kustomization reconcile of a process has been running (0: none in flight). */
const kustomizationInFlight = async (p: DriftlessProcess): Promise<number> =>
  metricValue(await p.metrics(), 'workqueue_longest_running_processor_seconds', { name: 'kustomization' });

before(async () => {
  env = await startTestEnv({ engine: false });
  await env.namespace(ns);
  await env.namespace('flux-system');
  const cm = (name: string): string =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${ns}\ndata:\n  owner: "${name}"\n`;
  const files: Record<string, string> = { 'moving/cm.yaml': cm('moving') };
  for (let i = 0; i < N; i++) files[`app-${i}/cm.yaml`] = cm(`app-${i}`);
  const url = await env.createRepo('sharded', files);
  for (const shard of ['main', 'shard1', 'shard2'])
    await env.apply(withLabels(gitRepository(ns, `${shard}-repo`, url, { interval: '10m' }), labelsOf(shard)));
  for (let i = 0; i < N; i++) {
    // One shard1 Kustomization uses the main instance's source: references cross shards, as in Flux.
    const source = i === 1 ? 'main-repo' : `${owner(i)}-repo`;
    await env.apply(
      withLabels(kustomization(ns, `app-${i}`, source, { path: `./app-${i}`, interval: '10m' }), labelsOf(owner(i))),
    );
  }
  const started = await Promise.all([
    startDriftless({
      kubeconfig: env.kubeconfigPath,
      identity: 'main',
      storageRoot: env.tmp,
      args: [...common, `--watch-label-selector=${mainSelector}`],
    }),
    startDriftless({
      kubeconfig: env.kubeconfigPath,
      identity: 'shard1',
      storageRoot: env.tmp,
      args: shardArgs('shard1'),
    }),
    startDriftless({
      kubeconfig: env.kubeconfigPath,
      identity: 'shard2',
      storageRoot: env.tmp,
      args: shardArgs('shard2'),
    }),
  ]);
  for (const p of started) procs.set(p.identity, p);
  // The standby of shard1 starts once shard1 leads, so the leader is known.
  await env.waitFor('shard1 holding its Lease', async () => (await leaseHolder(shardLease('shard1'))) === 'shard1');
  const standby = await startDriftless({
    kubeconfig: env.kubeconfigPath,
    identity: 'shard1-b',
    storageRoot: env.tmp,
    args: shardArgs('shard1'),
  });
  procs.set(standby.identity, standby);
});
after(async () => {
  for (const p of procs.values()) p.kill();
  await env?.stop();
});

test('60 Kustomizations over main + 2 shards: each reconciled by exactly one process, its shard', async () => {
  for (let i = 0; i < N; i++) await env.waitForReady(ksRef(ns, `app-${i}`), {}, 240_000);
  for (let i = 0; i < N; i++)
    assert.deepEqual(await reportersOf(`app-${i}`), [owner(i)], `app-${i}: events reported by these processes`);
  for (const identity of ['main', 'shard1', 'shard2']) {
    const text = await proc(identity).metrics();
    const ok = metricValue(text, 'driftless_reconcile_total', { kind: 'Kustomization', result: 'success' });
    assert.ok(ok >= N / 3, `${identity}: ${ok} successful Kustomization reconciles, expected at least ${N / 3}`);
    const sources = metricValue(text, 'driftless_reconcile_total', { kind: 'GitRepository', result: 'success' });
    assert.ok(sources >= 1, `${identity} reconciled its own shard's GitRepository`);
  }
  // The standby waits on shard1's Lease: it has reconciled nothing.
  const standby = await proc('shard1-b').metrics();
  assert.equal(metricValue(standby, 'driftless_reconcile_total', { kind: 'Kustomization', result: 'success' }), 0);
});

test('each shard elects its own leader through its own Lease', async () => {
  assert.equal(await leaseHolder(shardLeaseName('driftless-leader-election', mainSelector)), 'main');
  assert.equal(await leaseHolder(shardLease('shard1')), 'shard1');
  assert.equal(await leaseHolder(shardLease('shard2')), 'shard2');
});

test('refused at start: a selector that does not parse; a shard without leader election', () => {
  const bad = runDriftlessToExit(['--kubeconfig', env.kubeconfigPath, `--watch-label-selector=${key} in (shard1`]);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /--watch-label-selector/);
  assert.match(bad.stderr, /unbalanced "\("/);
  // Two replicas of one shard without the Lease would both reconcile its objects: refused, not raced.
  const alone = runDriftlessToExit([
    '--kubeconfig',
    env.kubeconfigPath,
    `--watch-label-selector=${shardSelector('shard1')}`,
    '--enable-leader-election=false',
  ]);
  assert.equal(alone.status, 1);
  assert.match(alone.stderr, /--watch-label-selector needs --enable-leader-election/);
});

test('relabelled mid-reconcile: handed over to the new shard, never finished by both, nothing orphaned', async () => {
  const ref = ksRef(ns, 'moving');
  const gate = { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'gate' };
  // shard1 applies, then waits on a health check of a ConfigMap that does not exist yet.
  await env.apply(
    withLabels(
      kustomization(ns, 'moving', 'main-repo', {
        path: './moving',
        interval: '10m',
        timeout: '5m',
        healthChecks: [gate],
      }),
      labelsOf('shard1'),
    ),
  );
  await env.waitFor('shard1 applied "moving" and waits on its health check', async () => {
    const ks = (await env.get(ref)) as Ks | undefined;
    const reconciling = ks?.status?.conditions?.find((c) => c.type === 'Reconciling');
    return (
      ks?.status?.inventory?.entries.length === 1 &&
      reconciling?.message.startsWith('Running health checks') &&
      (await kustomizationInFlight(proc('shard1'))) > 0
    );
  });
  assert.ok(await env.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'moving' }));
  await env.client.patch(ref, { metadata: { labels: { [key]: 'shard2' } } });
  // shard1's watch no longer matches: its reconcile stops at once; shard2 takes the object and waits in turn.
  await env.waitFor('shard1 to stop its reconcile', async () => (await kustomizationInFlight(proc('shard1'))) === 0);
  await env.waitFor(
    'shard2 waiting on the health check',
    async () => (await kustomizationInFlight(proc('shard2'))) > 0,
  );
  await env.apply({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'gate', namespace: ns },
    data: { open: 'yes' },
  } as KubeObject);
  await env.waitForReady(ref, {}, 120_000);
  assert.deepEqual(await reportersOf('moving', 'ReconciliationSucceeded'), ['shard2']);
  assert.ok((await reportersOf('moving')).includes('shard1'), 'shard1 had started it (its change set event)');
  // shard1 let go without finalizing: the finalizer, the inventory and the applied ConfigMap are all still there.
  const ks = (await env.get(ref)) as Ks;
  assert.deepEqual(ks.metadata.finalizers, ['finalizers.fluxcd.io']);
  assert.deepEqual(
    ks.status?.inventory?.entries.map((e) => e.id),
    [`${ns}_moving__ConfigMap`],
  );
  assert.ok(await env.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'moving' }));
  // And its new owner garbage-collects it on deletion: nothing orphaned.
  await env.client.delete(ref);
  await env.waitFor('"moving" and its ConfigMap gone', async () => {
    const left = [
      await env.get(ref),
      await env.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'moving' }),
    ];
    return left.every((o) => o === undefined);
  });
});

test('a second replica of the shard waits on the shard’s Lease and takes it over when the leader is killed', async () => {
  // The standby is up (it serves metrics) but does not lead while shard1 renews.
  assert.equal(await leaseHolder(shardLease('shard1')), 'shard1');
  proc('shard1').kill();
  await env.waitFor(
    'shard1-b holding the shard Lease',
    async () => (await leaseHolder(shardLease('shard1'))) === 'shard1-b',
    60_000,
  );
  // A new object of the shard is reconciled by the new leader, and only by it ("moving" is free again).
  await env.apply(
    withLabels(kustomization(ns, 'after-failover', 'shard1-repo', { path: './moving' }), labelsOf('shard1')),
  );
  await env.waitForReady(ksRef(ns, 'after-failover'), {}, 90_000);
  assert.deepEqual(await reportersOf('after-failover'), ['shard1-b']);
  // The other shard and the main instance were not disturbed.
  assert.equal(await leaseHolder(shardLease('shard2')), 'shard2');
});
