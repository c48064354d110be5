import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  clusterMismatch,
  specProblems,
  unlistedComponentMessage,
  unlistedComponents,
  type ManagerFacts,
} from './spec-checks.ts';
import { testInstance } from './test-objects.ts';

const facts: ManagerFacts = {
  components: ['source-controller', 'kustomize-controller', 'notification-controller'],
  noCrossNamespaceRefs: false,
};
const problemsOf = (spec: Parameters<typeof testInstance>[0], f: ManagerFacts = facts) =>
  specProblems(testInstance(spec).spec, f);

void test('a spec within what the manager runs has no problems', () => {
  assert.deepEqual(problemsOf({}), []);
  assert.deepEqual(problemsOf({ components: ['source-controller', 'kustomize-controller'] }), []);
});

void test('components this Driftless version lacks are refused by name', () => {
  const problems = problemsOf({ components: ['source-controller', 'helm-controller', 'image-automation-controller'] });
  assert.deepEqual(
    problems.map((p) => p.reason),
    ['NotSupported', 'NotSupported'],
  );
  assert.equal(
    problems[0]?.message,
    'component helm-controller is not available in this Driftless version (it runs source-controller, kustomize-controller, notification-controller): remove it from spec.components',
  );
  assert.match(problems[1]?.message ?? '', /^component image-automation-controller is not available/);
});

void test('sharding, workload identity, bad versions and refs are each reported; every sync kind is accepted', () => {
  for (const kind of ['OCIRepository', 'Bucket'] as const) {
    assert.deepEqual(problemsOf({ sync: { kind, url: 'oci://r/x', ref: 'latest', path: './' } }), []);
  }
  assert.match(problemsOf({ sharding: { shards: ['a'] } })[0]?.message ?? '', /^spec\.sharding is not supported/);
  assert.match(
    problemsOf({ cluster: { objectLevelWorkloadIdentity: true } })[0]?.message ?? '',
    /spec\.cluster\.objectLevelWorkloadIdentity is not supported/,
  );
  const version = problemsOf({ distribution: { version: 'latest-ish', registry: 'ghcr.io/fluxcd' } });
  assert.equal(version[0]?.reason, 'BuildFailed');
  assert.match(version[0]?.message ?? '', /"latest-ish" is not a semver version or range/);
  assert.deepEqual(problemsOf({ distribution: { version: '>=2.5.0, <3.0.0', registry: 'ghcr.io/fluxcd' } }), []);
  const ref = problemsOf({ sync: { kind: 'GitRepository', url: 'https://x/y', ref: 'refs/heads/', path: './' } });
  assert.equal(ref[0]?.reason, 'BuildFailed');
});

void test('multi-tenancy must match the manager flags, and the message names the flags to set', () => {
  assert.equal(clusterMismatch(undefined, facts), undefined);
  assert.equal(clusterMismatch({ multitenant: false, tenantDefaultServiceAccount: 'ignored' }, facts), undefined);
  const locked: ManagerFacts = { ...facts, noCrossNamespaceRefs: true, defaultServiceAccount: 'default' };
  assert.equal(clusterMismatch({ multitenant: true }, locked), undefined);
  assert.equal(
    clusterMismatch(
      { multitenant: true, tenantDefaultServiceAccount: 'flux' },
      { ...locked, defaultServiceAccount: 'flux' },
    ),
    undefined,
  );

  assert.equal(
    clusterMismatch({ multitenant: true }, facts),
    'spec.cluster.multitenant is true but this manager runs with --no-cross-namespace-refs=false and no --default-service-account; ' +
      'multi-tenancy lockdown cannot change at run time: restart `driftless run` and add --no-cross-namespace-refs, set --default-service-account=default',
  );
  assert.match(
    clusterMismatch({ multitenant: true, tenantDefaultServiceAccount: 'tenant' }, locked) ?? '',
    /set --default-service-account=tenant$/,
  );
  assert.match(
    clusterMismatch({}, locked) ?? '',
    /remove --no-cross-namespace-refs, remove --default-service-account$/,
  );
  const problems = problemsOf({ cluster: { multitenant: true } });
  assert.equal(problems[0]?.reason, 'ManagerConfigMismatch');
});

void test('running components left out of spec.components are named for a warning', () => {
  assert.deepEqual(unlistedComponents(testInstance().spec, facts), [], 'no list means what the manager runs');
  assert.deepEqual(
    unlistedComponents(testInstance({ components: ['source-controller', 'kustomize-controller'] }).spec, facts),
    ['notification-controller'],
  );
  assert.match(
    unlistedComponentMessage('notification-controller'),
    /no `driftless run` flag to leave notification-controller out/,
  );
});
