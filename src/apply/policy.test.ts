import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../kube/types.ts';
import { anyInMetadata, defaultApplyPolicy as policy, mayRecreate, pruneSkipReason, skipReason } from './policy.ts';

const obj = (
  kind: string,
  labels: Record<string, string> = {},
  annotations: Record<string, string> = {},
  uid?: string,
): KubeObject => ({
  apiVersion: kind === 'StatefulSet' ? 'apps/v1' : 'v1',
  kind,
  metadata: { name: 'x', namespace: 'ns', labels, annotations, ...(uid ? { uid } : {}) },
});

void test('anyInMetadata matches labels or annotations, values case-insensitively', () => {
  const sel = { 'kustomize.toolkit.fluxcd.io/ssa': 'Ignore' };
  assert.equal(anyInMetadata(obj('ConfigMap', {}, { 'kustomize.toolkit.fluxcd.io/ssa': 'ignore' }), sel), true);
  assert.equal(anyInMetadata(obj('ConfigMap', { 'kustomize.toolkit.fluxcd.io/ssa': 'IGNORE' }), sel), true);
  assert.equal(anyInMetadata(obj('ConfigMap', {}, { 'kustomize.toolkit.fluxcd.io/ssa': 'Merge' }), sel), false);
  assert.equal(anyInMetadata(undefined, sel), false);
});

void test('skipReason honours reconcile: disabled and ssa: Ignore on either side, and IfNotPresent', () => {
  const plain = obj('ConfigMap');
  assert.equal(skipReason(plain, undefined, policy), undefined);
  assert.match(
    skipReason(obj('ConfigMap', {}, { 'kustomize.toolkit.fluxcd.io/reconcile': 'disabled' }), undefined, policy) ?? '',
    /manifest/,
  );
  assert.match(
    skipReason(plain, obj('ConfigMap', { 'kustomize.toolkit.fluxcd.io/ssa': 'Ignore' }, {}, 'u1'), policy) ?? '',
    /in-cluster/,
  );
  const createOnly = obj('ConfigMap', {}, { 'kustomize.toolkit.fluxcd.io/ssa': 'IfNotPresent' });
  assert.equal(skipReason(createOnly, undefined, policy), undefined, 'created when missing');
  assert.match(skipReason(createOnly, obj('ConfigMap', {}, {}, 'u1'), policy) ?? '', /create-only/);
});

void test('mayRecreate: global force except PVC/StatefulSet; the annotation always', () => {
  assert.equal(mayRecreate(obj('Service'), undefined, false, policy), false);
  assert.equal(mayRecreate(obj('Service'), undefined, true, policy), true);
  assert.equal(mayRecreate(obj('StatefulSet'), undefined, true, policy), false);
  assert.equal(mayRecreate(obj('PersistentVolumeClaim'), undefined, true, policy), false);
  const optIn = obj('StatefulSet', {}, { 'kustomize.toolkit.fluxcd.io/force': 'Enabled' });
  assert.equal(mayRecreate(optIn, undefined, false, policy), true);
  assert.equal(mayRecreate(obj('StatefulSet'), optIn, false, policy), true, 'in-cluster annotation counts too');
});

void test('pruneSkipReason requires the owner labels and respects prune/reconcile/ssa exclusions', () => {
  const owner = { 'kustomize.toolkit.fluxcd.io/name': 'apps', 'kustomize.toolkit.fluxcd.io/namespace': 'flux-system' };
  assert.equal(pruneSkipReason(obj('ConfigMap', owner), owner, policy), undefined);
  assert.match(
    pruneSkipReason(obj('ConfigMap', { ...owner, 'kustomize.toolkit.fluxcd.io/name': 'other' }), owner, policy) ?? '',
    /owner labels/,
  );
  assert.match(pruneSkipReason(obj('ConfigMap', {}), owner, policy) ?? '', /owner labels/);
  assert.match(
    pruneSkipReason(obj('ConfigMap', owner, { 'kustomize.toolkit.fluxcd.io/prune': 'disabled' }), owner, policy) ?? '',
    /pruning disabled/,
  );
  assert.match(
    pruneSkipReason(obj('ConfigMap', owner, { 'kustomize.toolkit.fluxcd.io/ssa': 'Ignore' }), owner, policy) ?? '',
    /excluded/,
  );
  assert.match(
    pruneSkipReason(
      obj('ConfigMap', { ...owner, 'kustomize.toolkit.fluxcd.io/reconcile': 'disabled' }),
      owner,
      policy,
    ) ?? '',
    /excluded/,
  );
});
