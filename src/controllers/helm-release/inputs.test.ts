// helm-controller's dependsOn check for HelmReleases, readyExpr included. Stand-in informer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HelmRelease } from '../../api/helm-release.ts';
import type { Informer } from '../../runtime/informer.ts';
import { ReconcileFailure } from '../../runtime/reconcile/failure.ts';
import { checkDependencies } from './inputs.ts';

const hr = (
  name: string,
  opts: { dependsOn?: HelmRelease['spec']['dependsOn']; ready?: boolean; generation?: number; status?: boolean } = {},
): HelmRelease =>
  ({
    apiVersion: 'helm.toolkit.fluxcd.io/v2',
    kind: 'HelmRelease',
    metadata: { name, namespace: 'apps', generation: opts.generation ?? 1, labels: { tier: 'db' } },
    spec: { interval: '5m', chart: { spec: { chart: 'x', sourceRef: { kind: 'HelmRepository', name: 'r' } } } },
    ...(opts.dependsOn ? { spec: { interval: '5m', dependsOn: opts.dependsOn } } : {}),
    ...(opts.status === false
      ? {}
      : {
          status: {
            observedGeneration: 1,
            lastAttemptedRevision: '1.2.3',
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
        }),
  }) as unknown as HelmRelease;

const cluster = new Map<string, HelmRelease>([
  ['apps/db', hr('db')],
  ['apps/failing', hr('failing', { ready: false })],
  ['apps/behind', hr('behind', { generation: 2 })],
  ['apps/fresh', hr('fresh', { status: false })],
]);
const informer = { get: (key: string) => cluster.get(key) } as unknown as Informer;

function check(dependsOn: HelmRelease['spec']['dependsOn']): ReconcileFailure | undefined {
  try {
    checkDependencies(hr('app', { dependsOn }), { informer, requeueDependencyMs: 5_000 });
    return undefined;
  } catch (err) {
    assert.ok(err instanceof ReconcileFailure);
    return err;
  }
}
const notReady = (dependsOn: HelmRelease['spec']['dependsOn']): string => {
  const err = check(dependsOn);
  assert.equal(err?.reason, 'DependencyNotReady');
  assert.equal(err.opts.requeueAfterMs, 5_000);
  assert.ok(err.opts.waiting);
  return err.message;
};

void test('dependsOn: Ready and caught up with its generation, else not ready', () => {
  assert.equal(check([{ name: 'db' }]), undefined);
  assert.equal(notReady([{ name: 'failing' }]), "dependency 'apps/failing' is not ready");
  assert.equal(notReady([{ name: 'behind' }]), "dependency 'apps/behind' is not ready");
  assert.match(notReady([{ name: 'gone' }]), /^unable to get 'apps\/gone' dependency: .*"gone" not found$/);
});

void test('readyExpr replaces the Ready check: self and dep are the two HelmReleases', () => {
  // A failing dependency is ready when the expression says so.
  assert.equal(check([{ name: 'failing', readyExpr: "dep.status.lastAttemptedRevision == '1.2.3'" }]), undefined);
  assert.equal(check([{ name: 'db', readyExpr: 'dep.metadata.labels.tier == self.metadata.labels.tier' }]), undefined);
  assert.equal(
    notReady([{ name: 'db', readyExpr: "dep.status.lastAttemptedRevision == '2.0.0'" }]),
    "dependency 'apps/db' is not ready according to readyExpr eval",
  );
  // A dependency without status yet: the evaluation fails, which is "not ready", retried.
  assert.ok(notReady([{ name: 'fresh', readyExpr: "dep.status.lastAttemptedRevision == '1.2.3'" }]).length > 0);
  // The dependency must exist before its expression is looked at (as helm-controller).
  assert.match(notReady([{ name: 'gone', readyExpr: 'not valid (' }]), /unable to get 'apps\/gone' dependency/);
});

void test('a readyExpr that does not compile stalls the release InvalidCELExpression', () => {
  const err = check([{ name: 'db', readyExpr: 'dep.status.(' }]);
  assert.equal(err?.reason, 'InvalidCELExpression');
  assert.ok(err.stalled);
  assert.match(
    err.message,
    /^Reconciliation failed terminally due to configuration error: failed to evaluate dependency db: /,
  );
  assert.match(err.opts.eventMessage ?? '', /^failed to evaluate dependency db: /);
  assert.equal(check([{ name: 'db', readyExpr: 'unknown.field' }])?.reason, 'InvalidCELExpression');
});
