// Sharding as Flux does it: a main instance (`--watch-label-selector=!sharding.fluxcd.io/key`) and a shard
// (`sharding.fluxcd.io/key=shard1`) on one control plane, each with its own leader Lease. Every
// Kustomization is reconciled by exactly one process: seen in the events' reportingInstance per object and
// in each process's metrics; a Kustomization of the shard may use the main instance's source.
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

type CoreEvent = KubeObject & { reportingInstance?: string; involvedObject: { kind: string; name: string } };

let env: TestEnv;
const ns = 'shards';
const key = 'sharding.fluxcd.io/key';
const mainSelector = `!${key}`;
const shardSelector = `${key}=shard1`;
const processes: DriftlessProcess[] = [];
let shardArgs: string[] = [];
const N = 8;
/** Even Kustomizations belong to shard1, odd ones to the main instance. */
const inShard = (i: number): boolean => i % 2 === 0;
const shardLabel = { [key]: 'shard1' };

const withLabels = <T extends { metadata: { labels?: Record<string, string> } }>(
  obj: T,
  labels?: Record<string, string>,
): T => (labels ? { ...obj, metadata: { ...obj.metadata, labels } } : obj);

before(async () => {
  env = await startTestEnv({ engine: false });
  await env.namespace(ns);
  await env.namespace('flux-system');
  const files: Record<string, string> = {};
  for (let i = 0; i < N; i++)
    files[`app-${i}/cm.yaml`] =
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-${i}\n  namespace: ${ns}\ndata:\n  i: "${i}"\n`;
  const url = await env.createRepo('sharded', files);
  await env.apply(gitRepository(ns, 'main-repo', url));
  await env.apply(withLabels(gitRepository(ns, 'shard1-repo', url), shardLabel));
  for (let i = 0; i < N; i++) {
    // The last shard Kustomization uses the main instance's source: references cross shards, as in Flux.
    const source = inShard(i) && i !== N - 2 ? 'shard1-repo' : 'main-repo';
    await env.apply(
      withLabels(kustomization(ns, `app-${i}`, source, { path: `./app-${i}` }), inShard(i) ? shardLabel : undefined),
    );
  }
  // Short Lease times so a killed leader is replaced within seconds.
  const common = [
    '--enable-leader-election=true',
    '--leader-election-lease-duration=6s',
    '--leader-election-renew-deadline=4s',
    '--leader-election-retry-period=1s',
  ];
  shardArgs = [
    ...common,
    '--watch-label-selector',
    shardSelector,
    '--controllers=source-controller,kustomize-controller',
  ];
  processes.push(
    await startDriftless({
      kubeconfig: env.kubeconfigPath,
      identity: 'main',
      storageRoot: env.tmp,
      args: [...common, `--watch-label-selector=${mainSelector}`],
    }),
    await startDriftless({
      kubeconfig: env.kubeconfigPath,
      identity: 'shard1',
      storageRoot: env.tmp,
      // A shard runs the source and kustomize groups only: the main instance serves notifications and the report.
      args: shardArgs,
    }),
  );
});
after(async () => {
  for (const p of processes) p.kill();
  await env?.stop();
});

test('every Kustomization is reconciled, each by exactly one process: its shard', async () => {
  for (let i = 0; i < N; i++) await env.waitForReady(ksRef(ns, `app-${i}`), {}, 120_000);
  for (let i = 0; i < N; i++) {
    const events = await env.client.list<CoreEvent>('v1', 'Event', { namespace: ns });
    const reporters = new Set(
      events.items
        .filter((e) => e.involvedObject.kind === 'Kustomization' && e.involvedObject.name === `app-${i}`)
        .map((e) => e.reportingInstance),
    );
    assert.deepEqual(
      [...reporters],
      [inShard(i) ? 'shard1' : 'main'],
      `app-${i} reported by ${[...reporters].join(', ')}`,
    );
  }
  for (const [p, count] of [
    [processes[0]!, N / 2],
    [processes[1]!, N / 2],
  ] as const) {
    const text = await p.metrics();
    const ok = metricValue(text, 'driftless_reconcile_total', { kind: 'Kustomization', result: 'success' });
    assert.ok(ok >= count, `${p.identity}: ${ok} successful Kustomization reconciles, expected at least ${count}`);
    // Each process's Kustomization cache holds its own shard only.
    const adds = metricValue(text, 'workqueue_adds_total', { name: 'kustomization' });
    assert.ok(adds > 0, `${p.identity} reconciled Kustomizations`);
  }
});

test('each shard elects its own leader through its own Lease', async () => {
  const lease = async (name: string) =>
    (
      (await env.get({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: 'flux-system', name })) as
        { spec?: { holderIdentity?: string } } | undefined
    )?.spec?.holderIdentity;
  assert.equal(await lease(shardLeaseName('driftless-leader-election', mainSelector)), 'main');
  assert.equal(await lease(shardLeaseName('driftless-leader-election-source-kustomize', shardSelector)), 'shard1');
});

test('a label selector that does not parse stops the start with the reason', () => {
  const r = runDriftlessToExit(['--kubeconfig', env.kubeconfigPath, `--watch-label-selector=${key} in (shard1`]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /--watch-label-selector/);
  assert.match(r.stderr, /unbalanced "\("/);
});

test('a second replica of the shard waits on the shard’s Lease and takes it over when the leader is killed', async () => {
  const leaseName = shardLeaseName('driftless-leader-election-source-kustomize', shardSelector);
  const holder = async () =>
    (
      (await env.get({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        namespace: 'flux-system',
        name: leaseName,
      })) as { spec?: { holderIdentity?: string } } | undefined
    )?.spec?.holderIdentity;
  const standby = await startDriftless({
    kubeconfig: env.kubeconfigPath,
    identity: 'shard1-b',
    storageRoot: env.tmp,
    args: shardArgs,
  });
  processes.push(standby);
  // The standby is up (it serves metrics) but does not lead while shard1 renews.
  await env.waitFor(
    'the standby replica serving metrics',
    async () => (await standby.metrics().catch(() => '')).length > 0,
  );
  assert.equal(await holder(), 'shard1');
  processes[1]!.kill();
  await env.waitFor('shard1-b holding the shard Lease', async () => (await holder()) === 'shard1-b', 60_000);
  // A new object of the shard is reconciled by the new leader, and only by it.
  await env.apply(withLabels(kustomization(ns, 'after-failover', 'shard1-repo', { path: './app-0' }), shardLabel));
  await env.waitForReady(ksRef(ns, 'after-failover'), {}, 90_000);
  const events = await env.client.list<CoreEvent>('v1', 'Event', { namespace: ns });
  const reporters = new Set(
    events.items
      .filter((e) => e.involvedObject.kind === 'Kustomization' && e.involvedObject.name === 'after-failover')
      .map((e) => e.reportingInstance),
  );
  assert.deepEqual([...reporters], ['shard1-b']);
});
