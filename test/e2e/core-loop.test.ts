// The core loop against the real control plane: Git commit → applied, updated, pruned objects.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/kube/types.ts';
import { cached, queueIdle, reconcileCount } from '../support/engine-state.ts';
import { gitRepoRef, gitRepository, ksRef, kustomization, startTestEnv, type TestEnv } from '../support/env.ts';

let env: TestEnv;
const ns = 'core';
const cm = (name: string, value: string, extra = ''): string =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${ns}\n${extra}data:\n  value: "${value}"\n`;
const cmRef = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name });
const artifactRevision = (repo: KubeObject | undefined): string =>
  (repo?.['status'] as { artifact?: { revision?: string } } | undefined)?.artifact?.revision ?? '';

before(async () => {
  env = await startTestEnv();
  await env.namespace(ns);
  await env.createRepo('core', {
    'apps/one.yaml': cm('one', '1'),
    'apps/two.yaml': cm('two', '2'),
    'apps/keep.yaml': cm('keep', 'k', '  annotations:\n    kustomize.toolkit.fluxcd.io/prune: disabled\n'),
    'README.md': '# not a manifest\n',
  });
  await env.apply(gitRepository(ns, 'core', env.git.repoUrl('core')));
  await env.apply(kustomization(ns, 'core', 'core', { path: './apps' }));
});
after(() => env?.stop());

test('a commit becomes applied objects with Flux status', async () => {
  const repo = await env.waitForReady(gitRepoRef(ns, 'core'));
  const artifact = repo.status?.['artifact'] as { revision: string; digest: string; path: string; url: string };
  assert.match(artifact.revision, /^main@sha1:[0-9a-f]{40}$/);
  assert.match(artifact.digest, /^sha256:[0-9a-f]{64}$/);
  assert.equal(artifact.path, `gitrepository/${ns}/core/${artifact.revision.split(':')[1]}.tar.gz`);
  const ks = await env.waitForReady(ksRef(ns, 'core'));
  const ready = ks.status?.conditions?.find((c) => c.type === 'Ready');
  assert.equal(ready?.reason, 'ReconciliationSucceeded');
  assert.equal(ready?.message, `Applied revision: ${artifact.revision}`);
  assert.equal(ks.status?.['lastAppliedRevision'], artifact.revision);
  assert.equal(ks.status?.['lastAttemptedRevision'], artifact.revision);
  const inventory = (ks.status?.['inventory'] as { entries: { id: string; v: string }[] }).entries.map(
    (e) => `${e.id}/${e.v}`,
  );
  assert.deepEqual(inventory.sort(), [
    `${ns}_keep__ConfigMap/v1`,
    `${ns}_one__ConfigMap/v1`,
    `${ns}_two__ConfigMap/v1`,
  ]);
  const one = await env.get(cmRef('one'));
  assert.equal(one?.metadata.labels?.['kustomize.toolkit.fluxcd.io/name'], 'core');
  assert.equal(one?.metadata.labels?.['kustomize.toolkit.fluxcd.io/namespace'], ns);
  assert.ok(ks.metadata.finalizers?.includes('finalizers.fluxcd.io'));
  const history = ks.status?.['history'] as { digest: string; lastReconciledStatus: string }[];
  assert.equal(history[0]?.lastReconciledStatus, 'ReconciliationSucceeded');
});

test('a new commit updates a field; a removed file is pruned; prune: disabled survives', async () => {
  const sha = await env.commit(
    'core',
    { 'apps/one.yaml': cm('one', 'changed'), 'apps/two.yaml': null, 'apps/keep.yaml': null },
    'update one, drop two',
  );
  // The source polls every minute; a reconcile request makes it look now, as `flux reconcile` does.
  await env.client.patch(gitRepoRef(ns, 'core'), {
    metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': 'now-1' } },
  });
  await env.waitForReady(ksRef(ns, 'core'), { messageIncludes: sha });
  const one = await env.get<{ data: Record<string, string> } & Awaited<ReturnType<TestEnv['get']>> & object>(
    cmRef('one'),
  );
  assert.equal((one as unknown as { data: { value: string } }).data.value, 'changed');
  await env.waitFor('ConfigMap two to be pruned', async () => (await env.get(cmRef('two'))) === undefined);
  assert.ok(await env.get(cmRef('keep')), 'the prune: disabled object is kept');
  const repo = await env.get(gitRepoRef(ns, 'core'));
  assert.equal(repo?.status?.['lastHandledReconcileAt'], 'now-1');
});

test('requestedAt is echoed in lastHandledReconcileAt', async () => {
  await env.client.patch(ksRef(ns, 'core'), {
    metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': '2026-11-21T10:00:00Z' } },
  });
  await env.waitFor(
    'lastHandledReconcileAt',
    async () => (await env.get(ksRef(ns, 'core')))?.status?.['lastHandledReconcileAt'] === '2026-11-21T10:00:00Z',
  );
});

/** The Kustomization as every write left it, from a watch, while `act` runs and until `done` holds for one. */
async function writesDuring(act: () => Promise<void>, done: (ks: KubeObject) => boolean): Promise<KubeObject[]> {
  const start = await env.get(ksRef(ns, 'core'));
  const seen: KubeObject[] = [];
  const stop = new AbortController();
  let finished: () => void = () => undefined;
  const ended = new Promise<void>((r) => (finished = r));
  const watching = env.client
    .watch(ksRef(ns, 'core').apiVersion, 'Kustomization', {
      namespace: ns,
      fieldSelector: 'metadata.name=core',
      resourceVersion: start?.metadata.resourceVersion ?? '',
      signal: stop.signal,
      onEvent: (e) => {
        if (e.type !== 'MODIFIED') return;
        seen.push(e.object);
        if (done(e.object)) finished();
      },
    })
    .catch(() => undefined);
  await act();
  await Promise.race([
    ended,
    env.waitFor('the reconcile to finish', async () => done((await env.get(ksRef(ns, 'core')))!)),
  ]);
  await ended;
  stop.abort();
  await watching;
  return seen;
}
const conditionOf = (ks: KubeObject, type: string): { status?: string } | undefined =>
  (ks['status'] as { conditions?: { type: string; status: string }[] } | undefined)?.conditions?.find(
    (c) => c.type === type,
  );
const handled = (token: string) => (ks: KubeObject) =>
  (ks['status'] as { lastHandledReconcileAt?: string } | undefined)?.lastHandledReconcileAt === token;

test('a re-reconcile of the applied revision writes the status once, without a Reconciling step; a new revision still shows progress', async () => {
  await env.waitForReady(ksRef(ns, 'core'));
  const request = (token: string) => () =>
    env.client
      .patch(ksRef(ns, 'core'), { metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': token } } })
      .then(() => undefined);
  const quiet = await writesDuring(request('quiet-1'), handled('quiet-1'));
  // One write for the annotation, one for the status.
  assert.equal(quiet.length, 2, `writes: ${quiet.map((k) => k.metadata.resourceVersion).join(', ')}`);
  assert.ok(
    quiet.every((k) => conditionOf(k, 'Reconciling') === undefined && conditionOf(k, 'Ready')?.status === 'True'),
  );

  // A new revision still shows its progress (Reconciling=True, Ready=Unknown) before the final status.
  const sha = await env.commit('core', { 'apps/four.yaml': cm('four', '4') }, 'add four');
  const progressed = await writesDuring(
    () =>
      env.client
        .patch(gitRepoRef(ns, 'core'), { metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': 'now-3' } } })
        .then(() => undefined),
    (ks) => String((ks['status'] as { lastAppliedRevision?: string } | undefined)?.lastAppliedRevision).includes(sha),
  );
  assert.ok(
    progressed.some(
      (k) => conditionOf(k, 'Reconciling')?.status === 'True' && conditionOf(k, 'Ready')?.status === 'Unknown',
    ),
    'a Reconciling step was written',
  );
});

test('a suspended Kustomization does not apply new commits until resumed', async () => {
  const engine = env.engine!;
  await env.client.patch(ksRef(ns, 'core'), { spec: { suspend: true } });
  // A suspended object is skipped without a trace in its status (as in Flux), so watch the engine's
  // cache: once it holds the suspended spec, every reconcile of core that starts is skipped.
  await env.waitFor(
    'the engine to cache suspend: true',
    async () => (cached(engine, ksRef(ns, 'core'))?.['spec'] as { suspend?: boolean } | undefined)?.suspend === true,
  );
  const reconciles = await reconcileCount(engine, 'kustomization');
  const sha = await env.commit('core', { 'apps/three.yaml': cm('three', '3') }, 'add three');
  await env.client.patch(gitRepoRef(ns, 'core'), {
    metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': 'now-2' } },
  });
  // The new artifact in the engine's cache has queued core (synchronously, in the informer's handler):
  // once the queue is idle again, the reconcile that would have applied the commit has run.
  await env.waitFor('the engine to cache the new artifact', async () =>
    artifactRevision(cached(engine, gitRepoRef(ns, 'core'))).endsWith(sha),
  );
  await env.waitFor(
    'the Kustomization controller to reconcile core for the new artifact',
    async () =>
      (await reconcileCount(engine, 'kustomization')) > reconciles && (await queueIdle(engine, 'kustomization')),
  );
  assert.equal(await env.get(cmRef('three')), undefined, 'nothing applied while suspended');
  const ks = await env.get(ksRef(ns, 'core'));
  assert.ok(!String(ks?.status?.['lastAttemptedRevision']).endsWith(sha), 'the new revision was not even attempted');
  await env.client.patch(ksRef(ns, 'core'), { spec: { suspend: false } });
  await env.waitFor('ConfigMap three after resume', async () => env.get(cmRef('three')));
});

test('deleting the Kustomization garbage-collects what it applied', async () => {
  await env.client.delete(ksRef(ns, 'core'));
  await env.waitFor('the Kustomization to be finalized', async () => (await env.get(ksRef(ns, 'core'))) === undefined);
  assert.equal(await env.get(cmRef('one')), undefined);
  assert.equal(await env.get(cmRef('three')), undefined);
});

test('the manager serves Flux-named controller metrics and health probes', async () => {
  const manager = env.engine!.manager;
  const metrics = await (await fetch(`${manager.metricsUrl}/metrics`)).text();
  for (const name of [
    'controller_runtime_reconcile_total{controller="kustomization"',
    'controller_runtime_reconcile_time_seconds_bucket{',
    'workqueue_depth{name="gitrepository"}',
    'workqueue_adds_total{name="kustomization"}',
    'workqueue_queue_duration_seconds_bucket{',
    'workqueue_work_duration_seconds_bucket{',
    'workqueue_longest_running_processor_seconds{',
    'rest_client_requests_total{code="200",method="GET"',
    'process_resident_memory_bytes',
    'nodejs_eventloop_lag_seconds',
  ]) {
    assert.ok(metrics.includes(name), `metrics contain ${name}`);
  }
  assert.equal((await fetch(`${manager.healthUrl}/healthz`)).status, 200);
  assert.equal((await fetch(`${manager.healthUrl}/readyz`)).status, 200);
});
