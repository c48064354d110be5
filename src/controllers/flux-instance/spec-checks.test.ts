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
    'component helm-controller is not available in this Driftless version (it has source-controller, kustomize-controller, notification-controller): remove it from spec.components',
  );
  assert.match(problems[1]?.message ?? '', /^component image-automation-controller is not available/);
});

void test('sharding storage, workload identity, bad versions and refs are each reported; every sync kind is accepted', () => {
  for (const kind of ['OCIRepository', 'Bucket'] as const) {
    assert.deepEqual(problemsOf({ sync: { kind, url: 'oci://r/x', ref: 'latest', path: './' } }), []);
  }
  const persistent = problemsOf({ sharding: { shards: ['a'], storage: 'persistent' } });
  assert.equal(persistent[0]?.reason, 'NotSupported');
  assert.match(persistent[0]?.message ?? '', /^spec\.sharding\.storage: persistent is not supported/);
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

void test('listed components no running process serves are a ManagerConfigMismatch, retried', () => {
  const all = { ...facts, available: [...facts.components, 'helm-controller'] };
  const problems = problemsOf({ components: ['source-controller', 'helm-controller'] }, all);
  assert.deepEqual(problems, [
    {
      reason: 'ManagerConfigMismatch',
      retry: true,
      message:
        'spec.components lists helm-controller but no running Driftless process serves it (this manager runs ' +
        '--controllers=source-controller,kustomize-controller,notification-controller): add it to ' +
        '`driftless run --controllers`, or re-install with `driftless install --instance <file>`',
    },
  ]);
  // Another process of the same scope (no selector) serving it, seen through its Lease, is enough.
  const peers = [{ components: ['helm-controller'] }];
  assert.deepEqual(problemsOf({ components: ['source-controller', 'helm-controller'] }, { ...all, peers }), []);
  // A shard serving it does not count for the main scope.
  const shardPeer = [{ components: ['helm-controller'], selector: 'sharding.fluxcd.io/key=a' }];
  assert.equal(problemsOf({ components: ['helm-controller'] }, { ...all, peers: shardPeer }).length, 1);
});

void test('spec.sharding must match the selectors of the running processes', () => {
  const sharding = { shards: ['shard1', 'shard2'] };
  const main: ManagerFacts = { ...facts, watchLabelSelector: '!sharding.fluxcd.io/key', peers: [] };
  const shard = (name: string, components = ['source-controller', 'kustomize-controller']) => ({
    components,
    selector: `sharding.fluxcd.io/key in (${name})`,
  });
  // This manager runs every object: the spec's shards would be reconciled twice.
  const unsharded = problemsOf({ sharding }, { ...facts, peers: [] });
  assert.equal(unsharded[0]?.reason, 'ManagerConfigMismatch');
  assert.match(
    unsharded[0]?.message ?? '',
    /^spec\.sharding \(key sharding\.fluxcd\.io\/key\) needs this manager to be the main one, with --watch-label-selector=!sharding\.fluxcd\.io\/key, but it runs with no --watch-label-selector: re-install with `driftless install --instance <file>`/,
  );
  // Shards are found by meaning: `k in (s)` is `k=s`.
  const ok = { ...main, peers: [shard('shard1'), { ...shard('shard2'), selector: 'sharding.fluxcd.io/key=shard2' }] };
  assert.deepEqual(problemsOf({ sharding }, ok), []);
  const missing = problemsOf({ sharding }, { ...main, peers: [shard('shard1')] });
  assert.deepEqual(
    missing.map((p) => p.message),
    [
      'spec.sharding.shards lists shard2 but no running Driftless process serves it (one started with ' +
        '--watch-label-selector=sharding.fluxcd.io/key=shard2 --enable-leader-election): re-install with `driftless install --instance <file>`',
    ],
  );
  assert.ok(
    missing.every((p) => p.retry),
    'a shard process starting later fixes it',
  );
  const partial = problemsOf(
    { sharding },
    { ...main, peers: [shard('shard1'), shard('shard2', ['source-controller'])] },
  );
  assert.match(partial[0]?.message ?? '', /^shard shard2 runs without kustomize-controller/);
  const extra = problemsOf({ sharding }, { ...main, peers: [shard('shard1'), shard('shard2'), shard('shard3')] });
  assert.match(
    extra[0]?.message ?? '',
    /serve shard shard3 of sharding\.fluxcd\.io\/key, which spec\.sharding\.shards does not list/,
  );
  // Without leader election the shards cannot be seen.
  const blind = problemsOf({ sharding }, { ...main, peers: undefined });
  assert.match(blind[0]?.message ?? '', /cannot be checked: this manager runs without --enable-leader-election/);
  // A manager with a selector but no spec.sharding is reported too.
  const stray = problemsOf({}, main);
  assert.match(
    stray[0]?.message ?? '',
    /^spec\.sharding is unset but this manager runs with --watch-label-selector=!sharding\.fluxcd\.io\/key/,
  );
  // A custom key.
  const custom = {
    ...main,
    watchLabelSelector: '!example.com/shard',
    peers: [{ components: ['source-controller', 'kustomize-controller'], selector: 'example.com/shard=a' }],
  };
  assert.deepEqual(
    problemsOf(
      {
        sharding: { key: 'example.com/shard', shards: ['a'] },
        components: ['source-controller', 'kustomize-controller'],
      },
      custom,
    ),
    [],
  );
});

void test('running components left out of spec.components are named for a warning', () => {
  assert.deepEqual(unlistedComponents(testInstance().spec, facts), [], 'no list means what the manager runs');
  assert.deepEqual(
    unlistedComponents(testInstance({ components: ['source-controller', 'kustomize-controller'] }).spec, facts),
    ['notification-controller'],
  );
  assert.match(
    unlistedComponentMessage('notification-controller'),
    /restart `driftless run` with --controllers naming only the listed components and operator/,
  );
});
