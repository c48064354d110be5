import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, ObjectRef } from '../kube/types.ts';
import { HealthEventHub } from './health-events.ts';
import { waitForHealth } from './health.ts';

const HOUR = 3_600_000;
const deploy: ObjectRef = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'apps', name: 'web' };
const other: ObjectRef = { ...deploy, name: 'other' };

void test(
  'a change of a subscribed object wakes the wait, even one that came before next()',
  { timeout: 20_000 },
  async () => {
    const hub = new HealthEventHub({ settleMs: 0 });
    const sub = hub.subscribe([deploy]);
    hub.notify({ ...deploy });
    // Would take an hour without the remembered change: the test's timeout fails it.
    await sub.next(HOUR);
    const woken = sub.next(HOUR);
    hub.notify(other);
    hub.notify({ ...deploy, apiVersion: 'apps/v1', kind: 'Deployment' });
    await woken;
    sub.close();
    assert.equal(hub.watchedObjects, 0);
  },
);

void test('a change of another object does not wake the wait; an abort does', async () => {
  const hub = new HealthEventHub({ settleMs: 0 });
  const sub = hub.subscribe([deploy]);
  let woke = false;
  const abort = new AbortController();
  const waiting = sub.next(HOUR, abort.signal).then(() => (woke = true));
  hub.notify(other);
  hub.notify({ ...deploy, namespace: 'elsewhere' });
  await new Promise((r) => setImmediate(r));
  assert.equal(woke, false);
  abort.abort();
  await waiting;
  sub.close();
});

void test('cluster-scoped refs match with or without an empty namespace', { timeout: 20_000 }, async () => {
  const hub = new HealthEventHub({ settleMs: 0 });
  const crd = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: 'x.example.com' };
  const sub = hub.subscribe([crd]);
  hub.notify({ ...crd, namespace: '' });
  await sub.next(HOUR);
  sub.close();
});

/** A Deployment that becomes available when `rollOut` is called (a pure fake of the API server's reads). */
function fakeCluster(): { client: Parameters<typeof waitForHealth>[0]; rollOut: () => void; reads: () => number } {
  let available = false;
  let reads = 0;
  const object = (): KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'apps', generation: 1 },
    spec: { replicas: 1 },
    status: available
      ? {
          observedGeneration: 1,
          replicas: 1,
          updatedReplicas: 1,
          readyReplicas: 1,
          availableReplicas: 1,
          conditions: [{ type: 'Available', status: 'True' }],
        }
      : { observedGeneration: 1, replicas: 1, updatedReplicas: 1, readyReplicas: 0, availableReplicas: 0 },
  });
  const client = {
    get: (() => {
      reads++;
      return Promise.resolve(object());
    }) as never,
    list: (() => Promise.reject(new Error('not used'))) as never,
    resource: (() => Promise.reject(new Error('not used'))) as never,
  };
  return { client, rollOut: () => void (available = true), reads: () => reads };
}

void test(
  'waitForHealth re-reads on a watch event instead of waiting out the poll interval',
  { timeout: 20_000 },
  async () => {
    const hub = new HealthEventHub({ settleMs: 0 });
    const cluster = fakeCluster();
    const waiting = waitForHealth(cluster.client, [deploy], { timeoutMs: 2 * HOUR, intervalMs: HOUR, events: hub });
    while (cluster.reads() === 0) await new Promise((r) => setImmediate(r));
    cluster.rollOut();
    hub.notify(deploy);
    const result = await waiting;
    assert.equal(result.notReady.length, 0);
    assert.equal(cluster.reads(), 2);
    assert.equal(hub.watchedObjects, 0, 'the wait unsubscribes when it ends');
  },
);

void test('waitForHealth without events still polls', async () => {
  const cluster = fakeCluster();
  const waiting = waitForHealth(cluster.client, [deploy], { timeoutMs: HOUR, intervalMs: 10 });
  while (cluster.reads() === 0) await new Promise((r) => setImmediate(r));
  cluster.rollOut();
  assert.equal((await waiting).notReady.length, 0);
});
