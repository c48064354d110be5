import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resourceInfoLabels } from './resource-info.ts';
import { fluxObject } from './test-objects.ts';

const common = (kind: string, name: string, ready: string, reason: string, suspended = 'False') => ({
  uid: `uid-${kind}-${name}`,
  kind,
  name,
  exported_namespace: 'flux-system',
  ready,
  reason,
  suspended,
});

void test('Kustomization: revision from lastAttemptedRevision, source_name, path', () => {
  const ks = fluxObject('Kustomization', 'apps', {
    spec: { path: './apps', sourceRef: { kind: 'GitRepository', name: 'fleet' } },
    status: { lastAttemptedRevision: 'main@sha1:new', lastAppliedRevision: 'main@sha1:old' },
    ready: { status: 'False', reason: 'BuildFailed' },
  });
  assert.deepEqual(resourceInfoLabels(ks), {
    ...common('Kustomization', 'apps', 'False', 'BuildFailed'),
    revision: 'main@sha1:new',
    source_name: 'fleet',
    path: './apps',
  });
});

void test('GitRepository: artifact revision, url, the last present ref field', () => {
  const repo = fluxObject('GitRepository', 'fleet', {
    spec: { url: 'https://example.com/fleet.git', ref: { branch: 'main', tag: 'v1' } },
    status: { artifact: { revision: 'v1@sha1:abc' } },
    ready: { status: 'True', reason: 'Succeeded' },
  });
  assert.deepEqual(resourceInfoLabels(repo), {
    ...common('GitRepository', 'fleet', 'True', 'Succeeded'),
    revision: 'v1@sha1:abc',
    url: 'https://example.com/fleet.git',
    ref: 'v1',
  });
});

void test('Bucket: url is the endpoint and ref the bucket; OCIRepository ref prefers semver over tag', () => {
  const bucket = resourceInfoLabels(
    fluxObject('Bucket', 'b', { spec: { endpoint: 'minio:9000', bucketName: 'fleet', url: 'ignored' } }),
  );
  assert.equal(bucket.url, 'minio:9000');
  assert.equal(bucket.ref, 'fleet');
  const oci = resourceInfoLabels(
    fluxObject('OCIRepository', 'o', {
      spec: { url: 'oci://r/x', ref: { tag: 'latest', semver: '>=1.0.0', digest: 'sha256:x' } },
    }),
  );
  assert.equal(oci.ref, '>=1.0.0');
});

void test('unconditioned objects read Unknown with an empty reason; suspended is True/False', () => {
  const labels = resourceInfoLabels(fluxObject('GitRepository', 'new', { spec: { url: 'u', suspend: true } }));
  assert.equal(labels.ready, 'Unknown');
  assert.equal(labels.reason, '');
  assert.equal(labels.suspended, 'True');
  assert.equal(labels.revision, '');
});

void test('per-kind label sets follow the documented table', () => {
  const keys = (kind: string, spec: Record<string, unknown> = {}) =>
    Object.keys(resourceInfoLabels(fluxObject(kind, 'x', { spec }))).sort();
  const base = ['exported_namespace', 'kind', 'name', 'ready', 'reason', 'suspended', 'uid'];
  assert.deepEqual(keys('HelmRelease'), [...base, 'revision', 'source_name'].sort());
  assert.deepEqual(keys('HelmChart'), [...base, 'revision', 'source_name'].sort());
  assert.deepEqual(keys('HelmRepository'), [...base, 'revision', 'url'].sort());
  assert.deepEqual(keys('Receiver'), [...base, 'url'].sort());
  assert.deepEqual(keys('ImageRepository'), [...base, 'url'].sort());
  assert.deepEqual(keys('ImagePolicy'), [...base, 'source_name'].sort());
  assert.deepEqual(keys('ImageUpdateAutomation'), [...base, 'source_name'].sort());
  assert.deepEqual(keys('Alert'), base);
  assert.deepEqual(keys('ExternalArtifact'), base);
});

void test('kind-specific sources of url and source_name', () => {
  assert.equal(
    resourceInfoLabels(fluxObject('Receiver', 'r', { status: { webhookPath: '/hook/abc' } })).url,
    '/hook/abc',
  );
  assert.equal(
    resourceInfoLabels(fluxObject('ImageRepository', 'i', { spec: { image: 'ghcr.io/org/app' } })).url,
    'ghcr.io/org/app',
  );
  assert.equal(
    resourceInfoLabels(fluxObject('ImagePolicy', 'p', { spec: { imageRepositoryRef: { name: 'app' } } })).source_name,
    'app',
  );
  const hr = fluxObject('HelmRelease', 'h', {
    spec: { chartRef: { name: 'from-ref' }, chart: { spec: { sourceRef: { name: 'from-chart' } } } },
  });
  assert.equal(resourceInfoLabels(hr).source_name, 'from-chart');
  assert.equal(
    resourceInfoLabels(fluxObject('HelmRelease', 'h', { spec: { chartRef: { name: 'from-ref' } } })).source_name,
    'from-ref',
  );
});

void test('Alert, Provider and OCI HelmRepository read ready True; the reason is kept', () => {
  assert.equal(resourceInfoLabels(fluxObject('Alert', 'a')).ready, 'True');
  assert.equal(resourceInfoLabels(fluxObject('Provider', 'p')).ready, 'True');
  const oci = resourceInfoLabels(
    fluxObject('HelmRepository', 'h', { spec: { type: 'oci' }, ready: { status: 'False', reason: 'Whatever' } }),
  );
  assert.deepEqual([oci.ready, oci.reason], ['True', 'Whatever']);
  assert.equal(
    resourceInfoLabels(fluxObject('HelmRepository', 'h', { ready: { status: 'False', reason: 'Failed' } })).ready,
    'False',
  );
});
