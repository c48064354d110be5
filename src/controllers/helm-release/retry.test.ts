// The RetryOnFailure strategy in the atomic release, with a fake helm and storage (the decisions are pure;
// the e2e tests drive the real helm).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HelmRelease, HelmReleaseStatus } from '../../api/helm-release.ts';
import { snapshotOf, valuesDigest } from '../../helm/observation.ts';
import type { HelmStoredRelease, ReleaseStorage } from '../../helm/release-storage.ts';
import { getCondition } from '../../runtime/conditions.ts';
import { atomicRelease } from './release.ts';
import { activeRetry, retryOf } from './remediation.ts';
import type { ReleaseRequest } from './types.ts';

const hr = (spec: Partial<HelmRelease['spec']>, status: HelmReleaseStatus): HelmRelease => ({
  apiVersion: 'helm.toolkit.fluxcd.io/v2',
  kind: 'HelmRelease',
  metadata: { name: 'web', namespace: 'apps', generation: 1 },
  spec: { interval: '5m', chartRef: { kind: 'HelmChart', name: 'web' }, ...spec },
  status,
});

const rel = (version: number, status: string, chartVersion = '1.0.0'): HelmStoredRelease => ({
  name: 'web',
  namespace: 'apps',
  version,
  info: { first_deployed: '2026-01-01T00:00:00Z', last_deployed: '2026-01-01T00:00:00Z', status },
  chart: { metadata: { name: 'web', version: chartVersion } },
  config: { replicas: 2 },
  manifest: `---\nkind: ConfigMap\n# v${version}\n`,
});

/** A request whose helm stores what `outcome` says for each upgrade/rollback and records the calls. */
function request(spec: Partial<HelmRelease['spec']>, rels: HelmStoredRelease[], outcome: 'failed' | 'deployed') {
  const calls: string[] = [];
  const status: HelmReleaseStatus = {
    history: [...rels].reverse().map((r) => snapshotOf(r, r.version === 1 ? 'install' : 'upgrade')),
    lastAttemptedReleaseAction: 'upgrade',
    failures: 1,
    upgradeFailures: 1,
  };
  const obj = hr(spec, status);
  const storage = {
    history: () => Promise.resolve([...rels]),
    last: () => Promise.resolve(rels.at(-1)),
    get: (_: string, v: number) => Promise.resolve(rels.find((r) => r.version === v)),
  } as unknown as ReleaseStorage;
  const store = (s: string) => {
    for (const r of rels) if (r.info.status === 'deployed') r.info.status = 'superseded';
    rels.push(rel(rels.length + 1, s));
  };
  const cli = {
    showCrds: () => Promise.resolve(''),
    upgrade: () => {
      calls.push('upgrade');
      store(outcome);
      return outcome === 'failed' ? Promise.reject(new Error('context deadline exceeded')) : Promise.resolve();
    },
    rollback: () => {
      calls.push('rollback');
      store('deployed');
      return Promise.resolve();
    },
  };
  const values = { replicas: 2 };
  const req: ReleaseRequest = {
    obj,
    metadata: obj.metadata,
    status,
    chart: { path: '/c', name: 'web', version: '1.0.0' },
    values,
    configDigest: valuesDigest(values),
    releaseName: 'web',
    releaseNamespace: 'apps',
    storageNamespace: 'apps',
    cli: cli as never,
    storage,
    client: undefined as never,
    forceRequested: false,
    signal: new AbortController().signal,
    write: () => Promise.resolve(),
    event: () => Promise.resolve(),
  };
  return { req, calls };
}

const retryOnFailure = { upgrade: { strategy: { name: 'RetryOnFailure' as const, retryInterval: '1m' } } };

void test('retry strategy: set only for RetryOnFailure, default interval 5m, active by the last attempted action', () => {
  assert.equal(retryOf(hr({}, {}), 'install'), undefined);
  assert.equal(retryOf(hr({ install: { strategy: { name: 'RemediateOnFailure' } } }, {}), 'install'), undefined);
  assert.deepEqual(retryOf(hr({ install: { strategy: { name: 'RetryOnFailure' } } }, {}), 'install'), {
    intervalMs: 300_000,
  });
  assert.deepEqual(retryOf(hr(retryOnFailure, {}), 'upgrade'), { intervalMs: 60_000 });
  assert.equal(activeRetry(hr(retryOnFailure, {}), { lastAttemptedReleaseAction: 'install' }), undefined);
  assert.deepEqual(activeRetry(hr(retryOnFailure, {}), { lastAttemptedReleaseAction: 'upgrade' }), {
    intervalMs: 60_000,
  });
});

void test('RetryOnFailure: a failed release is upgraded again, not rolled back; a new failure retries after the interval', async () => {
  const { req, calls } = request(retryOnFailure, [rel(1, 'superseded'), rel(2, 'failed')], 'failed');
  const outcome = await atomicRelease(req);
  assert.deepEqual(calls, ['upgrade']);
  assert.deepEqual(outcome, { kind: 'retry', afterMs: 60_000 });
  const reconciling = getCondition(req, 'Reconciling');
  assert.equal(reconciling?.reason, 'ProgressingWithRetry');
  assert.equal(reconciling?.message, 'retrying after 1m0s');
  assert.equal(getCondition(req, 'Ready')?.reason, 'UpgradeFailed');
  assert.equal(req.status.history?.[0]?.version, 3);
  assert.equal(req.status.history?.[0]?.status, 'failed');
});

void test('RemediateOnFailure (the default), same state with a retry left: the failed release is rolled back', async () => {
  const spec = { upgrade: { remediation: { retries: 1 } } };
  const { req, calls } = request(spec, [rel(1, 'superseded'), rel(2, 'failed')], 'failed');
  await atomicRelease(req);
  assert.deepEqual(calls, ['rollback']);
});

void test('RetryOnFailure: a successful retry clears the failure counters and keeps the newest 5 snapshots', async () => {
  const rels = [1, 2, 3, 4, 5, 6].map((v) => rel(v, v === 1 ? 'superseded' : 'failed'));
  const { req, calls } = request(retryOnFailure, rels, 'deployed');
  const outcome = await atomicRelease(req);
  assert.deepEqual(calls, ['upgrade']);
  assert.deepEqual(outcome, { kind: 'ready' });
  assert.equal(req.status.failures, undefined);
  assert.equal(req.status.upgradeFailures, undefined);
  assert.deepEqual(
    req.status.history?.map((h) => h.version),
    [7, 6, 5, 4, 3],
  );
});
