// spec.healthCheckExprs: Flux's documented expressions judge custom resources; kstatus judges the rest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeStatus } from '../../../apply/status.ts';
import type { KubeObject } from '../../../kube/types.ts';
import { ReconcileFailure } from '../../../runtime/reconcile/failure.ts';
import { compileHealthCheckExprs } from './health.ts';

// The SealedSecret example of Flux's Kustomization docs and the cluster-api Cluster one of its CEL cheatsheet.
const exprs = [
  {
    apiVersion: 'bitnami.com/v1alpha1',
    kind: 'SealedSecret',
    failed: "status.conditions.filter(e, e.type == 'Synced').all(e, e.status == 'False')",
    current: "status.conditions.filter(e, e.type == 'Synced').all(e, e.status == 'True')",
  },
  {
    apiVersion: 'cluster.x-k8s.io/v1beta1',
    kind: 'Cluster',
    failed: "status.conditions.filter(e, e.type == 'Ready').all(e, e.status == 'False')",
    current: "status.conditions.filter(e, e.type == 'Ready').all(e, e.status == 'True')",
  },
  // Group-only entry (no kind), with an inProgress rule.
  {
    apiVersion: 'example.com/v1',
    inProgress: "has(status.phase) && status.phase == 'Pending'",
    current: "status.phase == 'Done'",
  },
];
const custom = compileHealthCheckExprs(exprs);

const obj = (apiVersion: string, kind: string, status?: Record<string, unknown>, generation = 1): KubeObject =>
  ({
    apiVersion,
    kind,
    metadata: { name: 'x', namespace: 'ns', generation },
    ...(status ? { status } : {}),
  }) as KubeObject;
const cond = (type: string, status: string) => ({ conditions: [{ type, status }] });

void test('healthCheckExprs: the documented SealedSecret and Cluster expressions', () => {
  const ss = (s?: Record<string, unknown>) =>
    computeStatus(obj('bitnami.com/v1alpha1', 'SealedSecret', s), custom).status;
  assert.equal(ss(cond('Synced', 'True')), 'Current');
  assert.equal(ss(cond('Synced', 'False')), 'Failed');
  // The version is ignored: v1 matches the v1beta1 entry's group.
  assert.equal(computeStatus(obj('cluster.x-k8s.io/v1', 'Cluster', cond('Ready', 'True')), custom).status, 'Current');
  assert.equal(computeStatus(obj('cluster.x-k8s.io/v1', 'Cluster', cond('Ready', 'False')), custom).status, 'Failed');
  // No status yet: `status` is not a variable, so evaluation fails and the wait goes on (Unknown), as in Flux.
  assert.equal(ss(undefined), 'Unknown');
});

void test('healthCheckExprs: order inProgress, failed, current; none true is InProgress; generation first', () => {
  const ex = (s: Record<string, unknown>, generation = 1) =>
    computeStatus(obj('example.com/v2', 'Widget', s, generation), custom);
  assert.equal(ex({ phase: 'Pending' }).status, 'InProgress');
  assert.equal(ex({ phase: 'Done' }).status, 'Current');
  assert.equal(ex({ phase: 'Other' }).status, 'InProgress');
  assert.equal(ex({ phase: 'Done', observedGeneration: 1 }, 2).status, 'InProgress');
});

void test('healthCheckExprs: a kind-specific entry wins over a group-only one; other kinds use kstatus', () => {
  const both = compileHealthCheckExprs([
    { apiVersion: 'example.com/v1', current: 'false' },
    { apiVersion: 'example.com/v1', kind: 'Widget', current: 'true' },
  ]);
  assert.equal(computeStatus(obj('example.com/v1', 'Widget', {}), both).status, 'Current');
  assert.equal(computeStatus(obj('example.com/v1', 'Gadget', {}), both).status, 'InProgress');
  // A Deployment is still judged by kstatus.
  const dep = obj('apps/v1', 'Deployment', { replicas: 0 });
  assert.equal(computeStatus(dep, custom).status, computeStatus(dep).status);
  assert.equal(compileHealthCheckExprs(undefined), undefined);
});

void test('healthCheckExprs: an invalid expression is a stalled InvalidCELExpression failure', () => {
  assert.throws(
    () => compileHealthCheckExprs([{ apiVersion: 'a.io/v1', kind: 'A', current: 'status.ready ==' }]),
    (err: unknown) =>
      err instanceof ReconcileFailure &&
      err.reason === 'InvalidCELExpression' &&
      err.stalled &&
      /spec\.healthCheckExprs\[0\]\.current \(a\.io\/v1 A\)/.test(err.message),
  );
});
