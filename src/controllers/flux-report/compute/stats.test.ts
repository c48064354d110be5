import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSize, isSuspended, reconcilerStats } from './stats.ts';
import { fluxObject } from './test-objects.ts';

void test('failing counts Ready=False except DependencyNotReady; running includes failing; suspended is excluded from both', () => {
  const stats = reconcilerStats([
    fluxObject('Kustomization', 'ok', { ready: { status: 'True', reason: 'ReconciliationSucceeded' } }),
    fluxObject('Kustomization', 'broken', { ready: { status: 'False', reason: 'BuildFailed' } }),
    fluxObject('Kustomization', 'waiting', { ready: { status: 'False', reason: 'DependencyNotReady' } }),
    fluxObject('Kustomization', 'progressing', { ready: { status: 'Unknown', reason: 'Progressing' } }),
    fluxObject('Kustomization', 'new'),
    fluxObject('Kustomization', 'paused-broken', {
      spec: { suspend: true },
      ready: { status: 'False', reason: 'BuildFailed' },
    }),
  ]);
  assert.deepEqual(stats, { running: 5, failing: 1, suspended: 1 });
});

void test('no objects: zero counts and no totalSize', () => {
  assert.deepEqual(reconcilerStats([]), { running: 0, failing: 0, suspended: 0 });
});

void test('totalSize sums artifact sizes of every object, suspended ones included', () => {
  const stats = reconcilerStats([
    fluxObject('GitRepository', 'a', { status: { artifact: { revision: 'r', size: 1024 } } }),
    fluxObject('GitRepository', 'b', { spec: { suspend: true }, status: { artifact: { revision: 'r', size: 512 } } }),
    fluxObject('GitRepository', 'c'),
  ]);
  assert.equal(stats.totalSize, '1.5 KiB');
  assert.equal(stats.suspended, 1);
});

void test('formatSize: bytes under 1024, then one decimal in IEC units, ties to even like Go', () => {
  assert.equal(formatSize(0), '0 B');
  assert.equal(formatSize(1023), '1023 B');
  assert.equal(formatSize(1024), '1.0 KiB');
  assert.equal(formatSize(1536), '1.5 KiB');
  assert.equal(formatSize(1280), '1.2 KiB', '1.25 rounds to even');
  assert.equal(formatSize(1792), '1.8 KiB', '1.75 rounds to even');
  assert.equal(formatSize(80_000), '78.1 KiB');
  assert.equal(formatSize(3_879_731), '3.7 MiB');
  assert.equal(formatSize(1024 ** 3 * 2.5), '2.5 GiB');
  assert.equal(formatSize(1024 ** 4), '1.0 TiB');
});

void test('suspension: spec.suspend for Flux kinds, the reconcile annotation for fluxcd.controlplane.io kinds', () => {
  assert.equal(isSuspended(fluxObject('GitRepository', 'x', { spec: { suspend: true } })), true);
  assert.equal(
    isSuspended(fluxObject('GitRepository', 'x', { annotations: { 'fluxcd.controlplane.io/reconcile': 'disabled' } })),
    false,
  );
  const instance = (annotations: Record<string, string>) =>
    fluxObject('FluxInstance', 'flux', { apiVersion: 'fluxcd.controlplane.io/v1', annotations });
  assert.equal(isSuspended(instance({ 'fluxcd.controlplane.io/reconcile': 'Disabled' })), true);
  assert.equal(isSuspended(instance({ 'fluxcd.controlplane.io/reconcile': 'enabled' })), false);
});
