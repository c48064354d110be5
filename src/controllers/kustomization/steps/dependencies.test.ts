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

// Flux's documented readyExpr: a lockstep upgrade waits for the dependency to carry the same version label.
const lockstep = [
  "dep.metadata.labels['app/version'] == self.metadata.labels['app/version'] &&",
  "dep.status.conditions.filter(e, e.type == 'Ready').all(e, e.status == 'True') &&",
  'dep.metadata.generation == dep.status.observedGeneration',
].join('\n');
const labelled = (k: Kustomization, version: string): Kustomization => ({
  ...k,
  metadata: { ...k.metadata, labels: { 'app/version': version } },
});

void test('dependsOn[].readyExpr: the expression replaces the built-in check (self and dep)', () => {
  const run = (depVersion: string, depReady = true): string | undefined => {
    cluster.set(
      'apps/backend',
      labelled(ks('backend', 'apps', { ready: depReady, applied: 'main@sha1:old' }), depVersion),
    );
    try {
      const self = labelled(
        ks('frontend', 'apps', { dependsOn: [{ name: 'backend', readyExpr: lockstep }] }),
        'v1.2.3',
      );
      checkDependencies({ ks: self, informer, revision, requeueDependencyMs: 30_000 });
      return undefined;
    } catch (err) {
      assert.ok(err instanceof ReconcileFailure && err.reason === 'DependencyNotReady' && err.opts.waiting);
      return err.message;
    }
  };
  // Ready at another revision of the shared source: the built-in check would wait; readyExpr does not.
  assert.equal(run('v1.2.3'), undefined);
  assert.equal(run('v1.2.2'), "dependency 'apps/backend' is not ready according to readyExpr eval");
  assert.equal(run('v1.2.3', false), "dependency 'apps/backend' is not ready according to readyExpr eval");
  cluster.delete('apps/backend');
  // A field the dependency lacks is "not ready yet", not a spec error.
  assert.match(check([{ name: 'db', readyExpr: 'dep.status.missing == 1' }]) ?? '', /is not ready: readyExpr: /);
});

void test('CEL that does not compile (readyExpr or healthCheckExprs) is a stalled InvalidCELExpression', () => {
  const stalled = (spec: Partial<Kustomization['spec']>) =>
    assert.throws(
      () =>
        checkDependencies({
          ks: { ...ks('app', 'apps'), spec: { ...ks('app', 'apps').spec, ...spec } },
          informer,
          revision,
          requeueDependencyMs: 30_000,
        }),
      (err: unknown) => err instanceof ReconcileFailure && err.reason === 'InvalidCELExpression' && err.stalled,
    );
  stalled({ dependsOn: [{ name: 'db', readyExpr: 'dep.status.ready ==' }] });
  stalled({ dependsOn: [{ name: 'db', readyExpr: "other.metadata.name == 'x'" }] });
  stalled({ healthCheckExprs: [{ apiVersion: 'a.io/v1', kind: 'A', current: '(' }] });
});
