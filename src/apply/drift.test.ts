import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../kube/types.ts';
import { jsonDiff, objectDrift } from './drift.ts';
import { maskSecretObject, maskSecretText } from './mask.ts';
import { hasDrifted, prepareForApply } from './normalize.ts';

const cm = (data: Record<string, string>, meta: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'c', namespace: 'ns', resourceVersion: '1', ...meta },
  data,
});

void test('hasDrifted ignores server bookkeeping but sees data, label and annotation changes', () => {
  const existing = cm(
    { a: '1' },
    { resourceVersion: '5', generation: 1, managedFields: [{ manager: 'x' }], labels: { l: '1' } },
  );
  const same = cm(
    { a: '1' },
    { resourceVersion: '6', generation: 2, managedFields: [], creationTimestamp: 'now', labels: { l: '1' } },
  );
  assert.equal(hasDrifted(existing, { ...same, status: { anything: true } }), false);
  assert.equal(hasDrifted(existing, cm({ a: '2' }, { labels: { l: '1' } })), true);
  assert.equal(hasDrifted(existing, cm({ a: '1' }, { labels: { l: '2' } })), true);
  assert.equal(hasDrifted(existing, cm({ a: '1' }, { labels: { l: '1' }, annotations: { x: 'y' } })), true);
  assert.equal(hasDrifted(undefined, same), true);
  assert.equal(hasDrifted(existing, cm({ a: '1' }, { resourceVersion: '' })), true, 'dry-run of a create');
});

void test('jsonDiff lists changed JSON pointers', () => {
  assert.deepEqual(jsonDiff({ a: 1, b: { c: [1, 2], 'd/e': 'x' } }, { a: 1, b: { c: [1, 3], 'd/e': 'y' }, f: true }), [
    { path: '/b/c/1', before: 2, after: 3 },
    { path: '/b/d~1e', before: 'x', after: 'y' },
    { path: '/f', after: true },
  ]);
  assert.deepEqual(jsonDiff({ l: [1] }, { l: [1, 2] }), [{ path: '/l', before: [1], after: [1, 2] }]);
  assert.deepEqual(jsonDiff({ a: 1 }, { a: 1 }), []);
});

void test('objectDrift masks Secret data with before/after markers', () => {
  const secret = (data: Record<string, string>): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 's' },
    data,
  });
  const changes = objectDrift(
    secret({ password: 'b2xk', same: 'eA==' }),
    secret({ password: 'bmV3', token: 'dA==', same: 'eA==' }),
  );
  assert.deepEqual(changes, [
    { path: '/data/password', before: '***** (before)', after: '***** (after)' },
    { path: '/data/token', after: '*****' },
  ]);
  assert.doesNotMatch(JSON.stringify(changes), /b2xk|bmV3|dA==/);
  const whole = objectDrift({ ...secret({}), data: undefined } as unknown as KubeObject, secret({ k: 'c2VjcmV0' }));
  assert.doesNotMatch(JSON.stringify(whole), /c2VjcmV0/);
});

void test('maskSecretText removes raw, decoded and encoded Secret values from messages', () => {
  const s: KubeObject = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 's' },
    data: { pw: Buffer.from('hunter2').toString('base64') },
    stringData: { token: 'tok-123' },
  };
  const msg = `Secret "s" is invalid: data[pw]: ${s.data && (s.data as Record<string, string>).pw} (hunter2), token tok-123 / ${Buffer.from('tok-123').toString('base64')}`;
  const masked = maskSecretText(msg, s);
  assert.doesNotMatch(masked, /hunter2|aHVudGVyMg|tok-123|dG9rLTEyMw/);
  assert.match(masked, /Secret "s" is invalid: data\[pw\]: \*\*\*\*\*/);
  assert.equal(maskSecretText('plain ConfigMap error', cm({ a: 'plain' })), 'plain ConfigMap error');
  assert.deepEqual(maskSecretObject(s).data, { pw: '*****' });
});

void test('prepareForApply sets owner labels and strips what must not be applied', () => {
  const input: KubeObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: 'svc',
      namespace: 'ns',
      labels: { app: 'x' },
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
    },
    spec: { ports: [{ port: 80 }, { port: 53, protocol: 'UDP' }] },
    status: { loadBalancer: {} },
  };
  const out = prepareForApply(input, { ownerLabels: { owner: 'me' }, namespaced: true });
  assert.deepEqual(out.metadata.labels, { app: 'x', owner: 'me' });
  assert.equal(out.metadata.annotations, undefined);
  assert.equal(out.status, undefined);
  assert.deepEqual((out.spec as { ports: unknown[] }).ports, [
    { port: 80, protocol: 'TCP' },
    { port: 53, protocol: 'UDP' },
  ]);
  assert.ok(input.status && input.metadata.annotations, 'input untouched');
  const ns = prepareForApply(
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n', namespace: 'oops' } },
    { ownerLabels: {}, namespaced: false },
  );
  assert.equal(ns.metadata.namespace, undefined);
});
