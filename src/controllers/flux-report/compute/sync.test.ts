import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sourceUrl, syncName, syncStatus } from './sync.ts';
import { fluxObject } from './test-objects.ts';

const ks = (opts: Parameters<typeof fluxObject>[2] = {}) =>
  fluxObject('Kustomization', 'flux-system', {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    ...opts,
    spec: { path: './clusters/dev', sourceRef: { kind: 'GitRepository', name: 'flux-system' }, ...opts.spec },
  });
const git = (opts: Parameters<typeof fluxObject>[2] = {}) =>
  fluxObject('GitRepository', 'flux-system', {
    ...opts,
    spec: { url: 'https://git.example.com/fleet.git', ...opts.spec },
  });

void test('a ready Kustomization with a ready source', () => {
  const sync = syncStatus({
    name: 'flux-system',
    kustomization: ks({ ready: { status: 'True', message: 'Applied revision: main@sha1:abc' } }),
    source: git({ ready: { status: 'True', message: 'stored' } }),
  });
  assert.deepEqual(sync, {
    id: 'kustomization/flux-system',
    path: './clusters/dev',
    ready: true,
    status: 'Applied revision: main@sha1:abc',
    source: 'https://git.example.com/fleet.git',
  });
});

void test('without a Ready condition the sync reads ready and not initialized', () => {
  const sync = syncStatus({ name: 'flux-system', kustomization: ks({ spec: { path: '' } }) });
  assert.deepEqual(sync, { id: 'kustomization/flux-system', ready: true, status: 'not initialized' });
  assert.equal(
    syncStatus({
      name: 'x',
      kustomization: ks({ ready: { status: 'Unknown', message: 'Reconciliation in progress' } }),
    }).ready,
    true,
  );
});

void test('a failing Kustomization is not ready', () => {
  const sync = syncStatus({
    name: 'flux-system',
    kustomization: ks({ ready: { status: 'False', message: 'kustomize build failed' } }),
    source: git({ ready: { status: 'True' } }),
  });
  assert.equal(sync.ready, false);
  assert.equal(sync.status, 'kustomize build failed');
});

void test('a failing source forces ready false and appends its message on a new line', () => {
  const sync = syncStatus({
    name: 'flux-system',
    kustomization: ks({ ready: { status: 'True', message: 'Applied revision: main@sha1:abc' } }),
    source: git({ ready: { status: 'False', message: 'authentication required' } }),
  });
  assert.equal(sync.ready, false);
  assert.equal(sync.status, 'Applied revision: main@sha1:abc\nauthentication required');
});

void test('a suspended Kustomization is prefixed Suspended', () => {
  const sync = syncStatus({
    name: 'flux-system',
    kustomization: ks({ spec: { suspend: true }, ready: { status: 'True', message: 'Applied revision: r' } }),
    source: git({ ready: { status: 'False', message: 'gone' } }),
  });
  assert.equal(sync.status, 'Suspended Applied revision: r\ngone');
});

void test('source URL: spec.url, or endpoint/bucketName for a Bucket', () => {
  assert.equal(sourceUrl(git()), 'https://git.example.com/fleet.git');
  assert.equal(
    sourceUrl(fluxObject('OCIRepository', 'o', { spec: { url: 'oci://ghcr.io/org/fleet' } })),
    'oci://ghcr.io/org/fleet',
  );
  assert.equal(
    sourceUrl(fluxObject('Bucket', 'b', { spec: { endpoint: 'minio.example.com', bucketName: 'fleet' } })),
    'minio.example.com/fleet',
  );
  assert.equal(sourceUrl(fluxObject('Bucket', 'b')), undefined);
});

void test('the sync name is the first FluxInstance spec.sync.name, else the namespace', () => {
  assert.equal(syncName('flux-system', []), 'flux-system');
  const instance = fluxObject('FluxInstance', 'flux', {
    apiVersion: 'fluxcd.controlplane.io/v1',
    spec: { sync: { name: 'fleet' } },
  });
  assert.equal(syncName('flux-system', [instance]), 'fleet');
  assert.equal(
    syncName('flux-system', [fluxObject('FluxInstance', 'flux', { apiVersion: 'fluxcd.controlplane.io/v1' })]),
    'flux-system',
  );
});
