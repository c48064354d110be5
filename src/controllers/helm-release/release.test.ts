import { test } from 'node:test';
import assert from 'node:assert/strict';
import { refusedFields } from '../../api/field-support.ts';
import type { HelmRelease, HelmReleaseStatus } from '../../api/helm-release.ts';
import { snapshotOf, valuesDigest } from '../../helm/observation.ts';
import type { HelmStoredRelease, ReleaseStorage } from '../../helm/release-storage.ts';
import { serviceAccountUser } from './inputs.ts';
import {
  installOptionsOf,
  rollbackOptionsOf,
  uninstallOptionsOf,
  upgradeOptionsOf,
  waitFor,
} from './action-options.ts';
import { summarize } from './outcome.ts';
import { determineState } from './release.ts';
import { installRemediation, upgradeRemediation } from './remediation.ts';
import type { ReleaseRequest } from './types.ts';

const hr = (spec: Partial<HelmRelease['spec']> = {}, status: HelmReleaseStatus = {}): HelmRelease => ({
  apiVersion: 'helm.toolkit.fluxcd.io/v2',
  kind: 'HelmRelease',
  metadata: { name: 'web', namespace: 'apps', generation: 1 },
  spec: { interval: '5m', chartRef: { kind: 'HelmChart', name: 'web' }, ...spec },
  status,
});

void test('install options follow spec.install as helm-controller sets them', () => {
  assert.deepEqual(installOptionsOf(hr()), {
    timeoutMs: 300_000,
    wait: 'watcher',
    waitForJobs: true,
    disableHooks: false,
    createNamespace: false,
    skipCrds: true,
    serverSide: true,
    takeOwnership: true,
    disableOpenApiValidation: false,
    skipSchemaValidation: false,
    replace: false,
    postRender: {
      strategy: 'combined',
      kustomize: [],
      origin: { 'helm.toolkit.fluxcd.io/name': 'web', 'helm.toolkit.fluxcd.io/namespace': 'apps' },
    },
  });
  const o = installOptionsOf(
    hr({
      targetNamespace: 'prod',
      storageNamespace: 'prod',
      timeout: '1m',
      install: {
        timeout: '30s',
        disableWait: true,
        disableWaitForJobs: true,
        disableHooks: true,
        createNamespace: true,
        crds: 'Skip',
        serverSideApply: false,
        disableTakeOwnership: true,
        disableOpenAPIValidation: true,
        disableSchemaValidation: true,
        replace: true,
      },
    }),
  );
  assert.deepEqual(o, {
    timeoutMs: 30_000,
    wait: 'hookOnly',
    waitForJobs: false,
    disableHooks: true,
    createNamespace: true,
    skipCrds: true,
    serverSide: false,
    takeOwnership: false,
    disableOpenApiValidation: true,
    skipSchemaValidation: true,
    replace: true,
    postRender: {
      strategy: 'combined',
      kustomize: [],
      origin: { 'helm.toolkit.fluxcd.io/name': 'web', 'helm.toolkit.fluxcd.io/namespace': 'apps' },
    },
  });
  assert.equal(
    installOptionsOf(hr({ install: { createNamespace: true } })).createNamespace,
    false,
    'only with a targetNamespace',
  );
  // helm is always told to skip crds/: the reconciler applies them per spec.install.crds, as helm-controller.
  assert.equal(installOptionsOf(hr({ install: { crds: 'Create' } })).skipCrds, true);
});

void test('upgrade options: serverSideApply auto follows the last release, force only client-side, values reset unless preserved', () => {
  const auto = upgradeOptionsOf(hr({ upgrade: { force: true, cleanupOnFail: true, timeout: '45s' } }), 'ssa');
  assert.equal(auto.serverSide, 'true');
  assert.equal(auto.forceConflicts, true);
  assert.equal(auto.forceReplace, false);
  assert.equal(auto.cleanupOnFail, true);
  assert.equal(auto.timeoutMs, 45_000);
  const csa = upgradeOptionsOf(
    hr({ maxHistory: 3, upgrade: { force: true, serverSideApply: 'disabled', preserveValues: true } }),
    'ssa',
  );
  assert.equal(csa.serverSide, 'false');
  assert.equal(csa.forceReplace, true);
  assert.equal(csa.reuseValues, true);
  assert.equal(csa.maxHistory, 3);
  const o = upgradeOptionsOf(
    hr({
      upgrade: {
        serverSideApply: 'enabled',
        disableWait: true,
        disableWaitForJobs: true,
        disableHooks: true,
        disableTakeOwnership: true,
        disableOpenAPIValidation: true,
        disableSchemaValidation: true,
      },
    }),
    'csa',
  );
  assert.deepEqual(
    [
      o.serverSide,
      o.wait,
      o.waitForJobs,
      o.disableHooks,
      o.takeOwnership,
      o.disableOpenApiValidation,
      o.skipSchemaValidation,
    ],
    ['true', 'hookOnly', false, true, false, true, true],
  );
});

void test('rollback and uninstall options', () => {
  const r = rollbackOptionsOf(
    hr({
      rollback: {
        timeout: '20s',
        disableWait: true,
        disableWaitForJobs: true,
        disableHooks: true,
        force: true,
        cleanupOnFail: true,
        serverSideApply: 'auto',
      },
    }),
    'csa',
  );
  assert.deepEqual(r, {
    timeoutMs: 20_000,
    wait: 'hookOnly',
    waitForJobs: false,
    disableHooks: true,
    maxHistory: 5,
    serverSide: 'false',
    forceConflicts: false,
    forceReplace: true,
    cleanupOnFail: true,
  });
  assert.deepEqual(
    uninstallOptionsOf(
      hr({
        uninstall: {
          timeout: '10s',
          disableHooks: true,
          keepHistory: true,
          disableWait: true,
          deletionPropagation: 'orphan',
        },
      }),
    ),
    { timeoutMs: 10_000, wait: 'hookOnly', keepHistory: true, disableHooks: true, deletionPropagation: 'orphan' },
  );
  assert.equal(uninstallOptionsOf(hr()).deletionPropagation, 'background');
});

void test('waitStrategy: poller is helm watcher, legacy is legacy, disableWait wins', () => {
  assert.equal(waitFor(hr({ waitStrategy: { name: 'poller' } }), false), 'watcher');
  assert.equal(waitFor(hr({ waitStrategy: { name: 'legacy' } }), false), 'legacy');
  assert.equal(waitFor(hr({ waitStrategy: { name: 'legacy' } }), true), 'hookOnly');
});

void test('remediation defaults: install never retries, upgrade remediateLastFailure follows retries, ignoreTestFailures falls back to test.ignoreFailures', () => {
  const s: HelmReleaseStatus = { installFailures: 1, upgradeFailures: 1 };
  assert.equal(installRemediation(hr()).exhausted(s), true);
  assert.equal(installRemediation(hr({ install: { remediation: { retries: 1 } } })).exhausted(s), false);
  assert.equal(
    installRemediation(hr({ install: { remediation: { retries: -1 } } })).exhausted({ installFailures: 9 }),
    false,
  );
  assert.equal(upgradeRemediation(hr({ upgrade: { remediation: { retries: 2 } } })).remediateLastFailure, true);
  assert.equal(upgradeRemediation(hr()).remediateLastFailure, false);
  assert.equal(
    upgradeRemediation(hr({ upgrade: { remediation: { retries: 2, remediateLastFailure: false } } }))
      .remediateLastFailure,
    false,
  );
  assert.equal(upgradeRemediation(hr()).strategy, 'rollback');
  assert.equal(
    upgradeRemediation(hr({ upgrade: { remediation: { strategy: 'uninstall' } } })).uninstallAfterUpgrade,
    true,
  );
  assert.equal(upgradeRemediation(hr()).ignoreTestFailures(true), true);
  assert.equal(
    upgradeRemediation(hr({ upgrade: { remediation: { ignoreTestFailures: false } } })).ignoreTestFailures(true),
    false,
  );
  assert.equal(
    installRemediation(
      hr({ install: { remediation: { ignoreTestFailures: true, remediateLastFailure: true } } }),
    ).ignoreTestFailures(false),
    true,
  );
});

void test('summarize: Remediated first (always False), then TestSuccess when tests count, then Released', () => {
  const cond = (type: string, status: 'True' | 'False' | 'Unknown', reason: string) => ({
    type,
    status,
    reason,
    message: `${type} ${reason}`,
    lastTransitionTime: '2026-01-01T00:00:00Z',
  });
  const req = (spec: Partial<HelmRelease['spec']>, conditions: ReturnType<typeof cond>[]) => {
    const obj = hr(spec);
    return { obj, metadata: obj.metadata, status: { conditions } };
  };
  const ready = (r: { status: HelmReleaseStatus }) => r.status.conditions?.find((c) => c.type === 'Ready');
  const a = req({}, [cond('Released', 'True', 'UpgradeSucceeded'), cond('Remediated', 'True', 'RollbackSucceeded')]);
  summarize(a);
  assert.deepEqual([ready(a)?.status, ready(a)?.reason], ['False', 'RollbackSucceeded']);
  const b = req({ test: { enable: true } }, [
    cond('Released', 'True', 'InstallSucceeded'),
    cond('TestSuccess', 'False', 'TestFailed'),
  ]);
  summarize(b);
  assert.deepEqual([ready(b)?.status, ready(b)?.reason], ['False', 'TestFailed']);
  const c = req({ test: { enable: true, ignoreFailures: true } }, [
    cond('Released', 'True', 'InstallSucceeded'),
    cond('TestSuccess', 'False', 'TestFailed'),
  ]);
  summarize(c);
  assert.deepEqual([ready(c)?.status, ready(c)?.reason], ['True', 'InstallSucceeded']);
  const d = req({}, [cond('Released', 'True', 'InstallSucceeded'), cond('TestSuccess', 'True', 'TestSucceeded')]);
  summarize(d);
  assert.equal(
    d.status.conditions?.some((x) => x.type === 'TestSuccess'),
    false,
    'dropped when tests are disabled',
  );
});

void test('serviceAccountName (or the default service account) is impersonated as its user', () => {
  assert.equal(serviceAccountUser(hr({ serviceAccountName: 'deployer' })), 'system:serviceaccount:apps:deployer');
  assert.equal(serviceAccountUser(hr(), 'flux-default'), 'system:serviceaccount:apps:flux-default');
  assert.equal(serviceAccountUser(hr()), undefined);
});

void test('nothing refused among strategies and CRD policies; driftDetection and persistentClient are fine', () => {
  const paths = (spec: Partial<HelmRelease['spec']>) =>
    refusedFields('HelmRelease', hr(spec)).map((r) => `${r.path}${r.value ? `=${r.value}` : ''}`);
  assert.deepEqual(paths({ driftDetection: { mode: 'disabled' }, persistentClient: false }), []);
  assert.deepEqual(paths({ driftDetection: { mode: 'warn', ignore: [{ paths: ['/data'] }] } }), []);
  assert.deepEqual(paths({ install: { strategy: { name: 'RetryOnFailure' }, crds: 'CreateReplace' } }), []);
  assert.deepEqual(
    paths({
      upgrade: { strategy: { name: 'RemediateOnFailure' }, crds: 'Skip', chartNameChangeStrategy: 'Reinstall' },
    }),
    [],
  );
  assert.deepEqual(
    paths({ upgrade: { crds: 'Create', strategy: { name: 'RetryOnFailure', retryInterval: '1m' } } }),
    [],
  );
});

// A fake of Helm's storage for the pure state decisions (the e2e test drives the real one).
const stored = (over: Partial<HelmStoredRelease> = {}): HelmStoredRelease => ({
  name: 'web',
  namespace: 'apps',
  version: 1,
  info: { first_deployed: '2026-01-01T00:00:00Z', last_deployed: '2026-01-01T00:00:00Z', status: 'deployed' },
  chart: { metadata: { name: 'web', version: '1.0.0' } },
  config: { replicas: 2 },
  manifest: '---\nkind: ConfigMap\n',
  ...over,
});
const request = (
  rels: HelmStoredRelease[],
  status: HelmReleaseStatus,
  values: Record<string, unknown> = { replicas: 2 },
): ReleaseRequest => {
  const obj = hr({}, status);
  const storage = {
    history: () => Promise.resolve(rels),
    last: () => Promise.resolve(rels.at(-1)),
    get: (_: string, v: number) => Promise.resolve(rels.find((r) => r.version === v)),
  } as unknown as ReleaseStorage;
  return {
    obj,
    metadata: obj.metadata,
    status,
    chart: { path: '/c', name: 'web', version: '1.0.0' },
    values,
    configDigest: valuesDigest(values),
    releaseName: 'web',
    releaseNamespace: 'apps',
    storageNamespace: 'apps',
    cli: undefined as never,
    storage,
    client: undefined as never,
    forceRequested: false,
    signal: new AbortController().signal,
    write: () => Promise.resolve(),
    event: () => Promise.resolve(),
  };
};

void test('release state: absent, locked, unmanaged, in sync, out of sync, failed, and a release changed behind our back', async () => {
  assert.equal((await determineState(request([], {}))).status, 'Absent');
  assert.equal((await determineState(request([stored({ info: { status: 'pending-upgrade' } })], {}))).status, 'Locked');
  assert.equal((await determineState(request([stored()], {}))).status, 'Unmanaged');
  const mine = { history: [snapshotOf(stored(), 'install')] };
  assert.equal((await determineState(request([stored()], mine))).status, 'InSync');
  assert.equal((await determineState(request([stored()], mine, { replicas: 3 }))).status, 'OutOfSync');
  const failed = stored({ info: { status: 'failed' } });
  assert.equal((await determineState(request([failed], { history: [snapshotOf(failed)] }))).status, 'Failed');
  // `helm upgrade` by hand made revision 2: the history no longer describes the release.
  assert.equal((await determineState(request([stored(), stored({ version: 2 })], mine))).status, 'Unmanaged');
  // Same revision, edited content (the digest differs).
  assert.equal((await determineState(request([stored({ manifest: 'changed' })], mine))).status, 'Unmanaged');
  // From an OCI chart: the snapshot's digest covers its ociDigest (as helm-controller's, so either takes
  // over the other's release); a digest without it does not verify.
  const oci = 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
  const fromOci = { history: [snapshotOf(stored(), 'install', oci)] };
  assert.equal((await determineState(request([stored()], fromOci))).status, 'InSync');
  const withoutOci = { history: [{ ...snapshotOf(stored(), 'install'), ociDigest: oci }] };
  assert.equal((await determineState(request([stored()], withoutOci))).status, 'Unmanaged');
});
