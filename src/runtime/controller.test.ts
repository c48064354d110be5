import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeClient, WatchOptions } from '../kube/client.ts';
import type { KubeObject } from '../kube/types.ts';
import { Controller } from './controller.ts';
import { Informer } from './informer.ts';
import { createLogger } from './logger.ts';

const logger = createLogger({ level: 'silent' });
const ks = (shard: string, rv: string): KubeObject => ({
  apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
  kind: 'Kustomization',
  metadata: { name: 'app', namespace: 'ns', resourceVersion: rv, labels: { 'sharding.fluxcd.io/key': shard } },
});

test('a delete from the cache (relabelled to another shard) releases the object before it is requeued', async () => {
  const released: string[] = [];
  let idle!: () => void;
  const watched = new Promise<void>((r) => (idle = r));
  let watches = 0;
  // A label-selected watch sends DELETED, with the object as it now is, once the selector stops matching.
  const client = {
    list: () => Promise.resolve({ items: [ks('shard1', '1')], resourceVersion: '1' }),
    watch: async (_a: string, _k: string, o: WatchOptions) => {
      if (watches++ === 0) return o.onEvent({ type: 'DELETED', object: ks('shard2', '2') });
      idle();
      await new Promise<void>((r) => o.signal.addEventListener('abort', () => r(), { once: true }));
    },
  } as unknown as KubeClient;
  const informer = new Informer({
    client,
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    logger,
  });
  const controller = new Controller({
    name: 'kustomization',
    logger,
    reconciler: { reconcile: () => Promise.resolve({}), released: (key) => void released.push(key) },
  });
  controller.watchPrimary(informer, () => true);
  const stop = new AbortController();
  const running = informer.run(stop.signal);
  await watched;
  stop.abort();
  await running;
  assert.deepEqual(released, ['ns/app']);
  assert.equal(informer.get('ns/app'), undefined);
  assert.equal(controller.queue.length, 1, 'the key is queued once (add, then delete, deduplicated)');
});
