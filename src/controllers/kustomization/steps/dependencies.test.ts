// Flux's built-in dependsOn check: each dependency (by name, in its namespace) exists, has observed its
// generation, is Ready, and has applied the same revision when it shares the source. Stand-in informer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kustomization } from '../../../api/kustomization.ts';
import type { Informer } from '../../../runtime/informer.ts';
import { ReconcileFailure } from '../../../runtime/reconcile/failure.ts';
import { checkDependencies } from './dependencies.ts';

const revision = 'main@sha1:abc';
const ks = (
  name: string,
  namespace: string,
  opts: { dependsOn?: Kustomization['spec']['dependsOn']; ready?: boolean; applied?: string; repo?: string } = {},
): Kustomization => ({
  apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
  kind: 'Kustomization',
  metadata: { name, namespace, generation: 1 },
  spec: {
    interval: '5m',
    prune: true,
    sourceRef: { kind: 'GitRepository', name: opts.repo ?? 'repo' },
    ...(opts.dependsOn ? { dependsOn: opts.dependsOn } : {}),
  },
  status: {
    observedGeneration: 1,
    ...(opts.applied ? { lastAppliedRevision: opts.applied } : {}),
    conditions: [
      {
        type: 'Ready',
        status: opts.ready === false ? 'False' : 'True',
        reason: 'x',
        message: '',
        lastTransitionTime: '2026-01-01T00:00:00Z',
      },
    ],
  },
});
const cluster = new Map<string, Kustomization>([
  ['apps/db', ks('db', 'apps', { applied: revision })],
  ['infra/crds', ks('crds', 'infra', { repo: 'infra-repo', applied: 'other@sha1:1' })],
  ['apps/broken', ks('broken', 'apps', { ready: false, applied: revision })],
  ['apps/behind', ks('behind', 'apps', { applied: 'main@sha1:old' })],
]);
const informer = { get: (key: string) => cluster.get(key) } as unknown as Informer;
const check = (dependsOn: Kustomization['spec']['dependsOn']): string | undefined => {
  try {
    checkDependencies({ ks: ks('app', 'apps', { dependsOn }), informer, revision, requeueDependencyMs: 30_000 });
    return undefined;
  } catch (err) {
    assert.ok(err instanceof ReconcileFailure && err.reason === 'DependencyNotReady' && err.opts.waiting);
    assert.equal(err.opts.requeueAfterMs, 30_000);
    return err.message;
  }
};

void test('dependsOn: a Ready dependency by name in the same namespace, or in the one its namespace names', () => {
  assert.equal(check([{ name: 'db' }]), undefined);
  assert.equal(check([{ name: 'db' }, { name: 'crds', namespace: 'infra' }]), undefined);
  assert.equal(check([{ name: 'crds' }]), "dependency 'apps/crds' not found");
});

void test('dependsOn: not Ready, or behind on the shared source, waits', () => {
  assert.equal(check([{ name: 'broken' }]), "dependency 'apps/broken' is not ready");
  assert.equal(
    check([{ name: 'behind' }]),
    "dependency 'apps/behind' is not ready: it has not applied revision 'main@sha1:abc' yet",
  );
});
