import { test } from 'node:test';
import assert from 'node:assert/strict';
import { releaseDigest, snapshotOf, testHooksOf, valuesDigest, goJson } from './observation.ts';
import { decodeRelease, encodeRelease, type HelmStoredRelease } from './release-storage.ts';

const empty: HelmStoredRelease = {
  name: 'foo',
  namespace: '',
  version: 0,
  info: {} as HelmStoredRelease['info'],
  chart: { metadata: {} as HelmStoredRelease['chart']['metadata'] },
};

void test('the release digest of an empty observation equals helm-controller digest_test.go expectation', () => {
  assert.equal(releaseDigest(empty), 'sha256:f1498f27a16a09cd7e1ee610d924df065c03d30035638babc95dd9a8d412ce4d');
});

void test("an OCI chart's artifact digest is part of the release digest, as helm-controller observes it", () => {
  // Computed by helm-controller v1.6.4's own release.Digest over Observation{Name: "foo", OCIDigest: …}.
  const oci = 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
  assert.equal(releaseDigest(empty, oci), 'sha256:1ae035232eb0e6b59e87f325290e555c8bed39f30ec9538f8ea8681101d61e0a');
  assert.equal(releaseDigest(empty, ''), releaseDigest(empty), 'omitted when empty (omitempty)');
  const s = snapshotOf({ ...empty, info: { status: 'deployed' } }, 'install', oci);
  assert.equal(s.ociDigest, oci);
  assert.equal(s.digest, releaseDigest({ ...empty, info: { status: 'deployed' } }, oci));
  assert.equal(snapshotOf(empty).ociDigest, undefined);
});

void test('test hooks are left out of the digest; other hooks, config and manifest count', () => {
  const rel: HelmStoredRelease = {
    ...empty,
    version: 1,
    config: { b: 1, a: { d: 2, c: 3 } },
    manifest: 'kind: ConfigMap',
    hooks: [{ name: 't', events: ['test'] }],
  };
  const base = releaseDigest(rel);
  assert.equal(releaseDigest({ ...rel, hooks: [] }), base);
  assert.notEqual(releaseDigest({ ...rel, hooks: [{ name: 'pre', events: ['pre-install'] }] }), base);
  assert.notEqual(releaseDigest({ ...rel, manifest: 'kind: Secret' }), base);
  assert.equal(
    releaseDigest({ ...rel, config: { a: { c: 3, d: 2 }, b: 1 } }),
    base,
    'maps are sorted as Go encodes them',
  );
  assert.equal(goJson('<a&b>'), '"\\u003ca\\u0026b\\u003e"');
});

void test('values digest: empty values digest as nothing; key order does not matter', () => {
  assert.equal(valuesDigest({}), 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(valuesDigest({ a: 1, b: { c: [1, 2] } }), valuesDigest({ b: { c: [1, 2] }, a: 1 }));
  assert.notEqual(valuesDigest({ a: 1 }), valuesDigest({ a: 2 }));
});

void test('a snapshot of a stored release, with test hooks by phase and filters', () => {
  const rel: HelmStoredRelease = {
    name: 'web',
    namespace: 'apps',
    version: 3,
    info: {
      first_deployed: '2026-01-01T10:00:00.123456789Z',
      last_deployed: '2026-01-02T10:00:00.5Z',
      status: 'deployed',
    },
    chart: { metadata: { name: 'web', version: '1.2.3', appVersion: '4.5' } },
    config: { replicas: 2 },
    hooks: [
      {
        name: 'smoke',
        events: ['test'],
        last_run: { started_at: '2026-01-02T10:01:00Z', completed_at: '2026-01-02T10:02:00Z', phase: 'Succeeded' },
      },
      { name: 'slow', events: ['test'] },
    ],
  };
  const s = snapshotOf(rel, 'upgrade');
  assert.equal(s.apiVersion, 'v2');
  assert.equal(s.firstDeployed, '2026-01-01T10:00:00Z');
  assert.equal(s.lastDeployed, '2026-01-02T10:00:00Z');
  assert.equal(s.chartVersion, '1.2.3');
  assert.equal(s.appVersion, '4.5');
  assert.equal(s.configDigest, valuesDigest({ replicas: 2 }));
  assert.equal(s.action, 'upgrade');
  assert.deepEqual(testHooksOf(rel), {
    smoke: { lastStarted: '2026-01-02T10:01:00Z', lastCompleted: '2026-01-02T10:02:00Z', phase: 'Succeeded' },
    slow: {},
  });
  assert.deepEqual(Object.keys(testHooksOf(rel, [{ name: 'slow', exclude: true }])), ['smoke']);
  assert.deepEqual(Object.keys(testHooksOf(rel, [{ name: 'slow' }])), ['slow']);
});

void test('release Secret data round-trips through Helm encoding (base64 of gzip), plain base64 JSON is read too', () => {
  const rel = { ...empty, name: 'web', version: 2 };
  assert.deepEqual(decodeRelease(encodeRelease(rel)), rel);
  const plain = Buffer.from(Buffer.from(JSON.stringify(rel)).toString('base64')).toString('base64');
  assert.deepEqual(decodeRelease(plain), rel);
});
