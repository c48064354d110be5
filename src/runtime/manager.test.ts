import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeClient } from '../kube/client.ts';
import { createLogger } from './logger.ts';
import { isFluxToolkitKind, Manager } from './manager.ts';
import { RuntimeMetrics } from './metrics.ts';

// No informer runs here (the manager is not started), so the client is never called.
const manager = (watch?: { namespace?: string; labelSelector?: string }) =>
  new Manager({
    client: {} as KubeClient,
    logger: createLogger({ level: 'silent' }),
    metrics: new RuntimeMetrics(),
    ...(watch ? { watch } : {}),
  });

const ks = 'kustomize.toolkit.fluxcd.io/v1';
const git = 'source.toolkit.fluxcd.io/v1';

void test('Flux toolkit kinds are recognised by API group', () => {
  assert.equal(isFluxToolkitKind(ks), true);
  assert.equal(isFluxToolkitKind('notification.toolkit.fluxcd.io/v1beta3'), true);
  assert.equal(isFluxToolkitKind('fluxcd.controlplane.io/v1'), false);
  assert.equal(isFluxToolkitKind('v1'), false);
  assert.equal(isFluxToolkitKind('apps/v1'), false);
});

void test('without a watch scope informers see every namespace and every label', () => {
  const inf = manager().informer(ks, 'Kustomization');
  assert.equal(inf.namespace, undefined);
  assert.equal(inf.labelSelector, undefined);
});

void test('--watch-all-namespaces=false: every Flux informer is limited to the runtime namespace', () => {
  const m = manager({ namespace: 'flux-system' });
  assert.equal(m.informer(ks, 'Kustomization').namespace, 'flux-system');
  assert.equal(m.informer(git, 'GitRepository', { allShards: true }).namespace, 'flux-system');
  // Applied objects (drift watch) and the Operator's kinds are not Flux controllers' caches.
  assert.equal(m.informer('v1', 'ConfigMap').namespace, undefined);
  assert.equal(m.informer('fluxcd.controlplane.io/v1', 'FluxInstance').namespace, undefined);
  // An explicit namespace is kept.
  assert.equal(m.informer(ks, 'Kustomization', { namespace: 'other' }).namespace, 'other');
});

void test('--watch-label-selector: every Flux informer filters, except lookups across shards', () => {
  const m = manager({ labelSelector: 'sharding.fluxcd.io/key=shard1' });
  const own = m.informer(git, 'GitRepository');
  assert.equal(own.labelSelector, 'sharding.fluxcd.io/key=shard1');
  const all = m.informer(git, 'GitRepository', { allShards: true });
  assert.equal(all.labelSelector, undefined);
  assert.notEqual(own, all);
  // Shared: the same scope gives the same informer.
  assert.equal(m.informer(git, 'GitRepository'), own);
  assert.equal(
    m.informer(ks, 'Kustomization', { labelSelector: 'team=a' }).labelSelector,
    'sharding.fluxcd.io/key=shard1,team=a',
  );
  assert.equal(m.informer('v1', 'Secret', { labelSelector: 'a=b' }).labelSelector, 'a=b');
});

void test('no selector: allShards shares the one informer', () => {
  const m = manager({ namespace: 'flux-system' });
  assert.equal(m.informer(git, 'GitRepository'), m.informer(git, 'GitRepository', { allShards: true }));
});

void test('unscoped informers (applied objects watched for drift) ignore the whole watch scope', () => {
  const m = manager({ namespace: 'flux-system', labelSelector: 'sharding.fluxcd.io/key=shard1' });
  const applied = m.informer(ks, 'Kustomization', {
    labelSelector: 'kustomize.toolkit.fluxcd.io/name',
    unscoped: true,
  });
  assert.equal(applied.namespace, undefined);
  assert.equal(applied.labelSelector, 'kustomize.toolkit.fluxcd.io/name');
});
