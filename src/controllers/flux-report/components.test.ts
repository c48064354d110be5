import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ComponentKinds, componentStatus } from './components.ts';
import { runtimePlatform } from './version.ts';

void test('a component is ready when this manager leads and its caches synced', () => {
  const base = { name: 'source-controller', kinds: ['GitRepository'], identity: 'host-1', unsynced: [] as string[] };
  assert.deepEqual(componentStatus({ ...base, leader: true, image: 'driftless:0.1.0' }), {
    name: 'source-controller',
    ready: true,
    status: 'Current Reconciling GitRepository in manager host-1',
    image: 'driftless:0.1.0',
  });
  assert.deepEqual(componentStatus({ ...base, leader: false }), {
    name: 'source-controller',
    ready: false,
    status: 'InProgress Waiting for leadership in manager host-1',
  });
  const unsynced = componentStatus({ ...base, leader: true, unsynced: ['GitRepository'] });
  assert.equal(unsynced.ready, false);
  assert.equal(unsynced.status, 'InProgress Caches not synced for GitRepository in manager host-1');
});

void test('the running groups are known by their Flux controller names', () => {
  assert.deepEqual(
    ComponentKinds['source-controller']?.map((k) => k.kind),
    ['GitRepository', 'OCIRepository', 'Bucket', 'HelmRepository', 'HelmChart'],
  );
  assert.deepEqual(
    ComponentKinds['kustomize-controller']?.map((k) => k.kind),
    ['Kustomization'],
  );
});

void test('the platform uses Go names', () => {
  assert.equal(runtimePlatform('linux', 'x64'), 'linux/amd64');
  assert.equal(runtimePlatform('darwin', 'arm64'), 'darwin/arm64');
  assert.equal(runtimePlatform('win32', 'ia32'), 'windows/386');
});
