import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidSpecError } from '../../api/errors.ts';
import { gitRefOf, syncName, syncObjects } from './sync-objects.ts';
import { testInstance } from './test-objects.ts';

void test('sync refs map to the GitRepository ref kinds', () => {
  assert.deepEqual(gitRefOf('refs/heads/main'), { branch: 'main' });
  assert.deepEqual(gitRefOf('refs/heads/release/v1'), { branch: 'release/v1' });
  assert.deepEqual(gitRefOf('refs/tags/v1.2.3'), { tag: 'v1.2.3' });
  assert.deepEqual(gitRefOf('refs/pull/42/head'), { name: 'refs/pull/42/head' });
  assert.deepEqual(gitRefOf('main'), { branch: 'main' });
  assert.throws(
    () => gitRefOf('refs/heads/'),
    (err: unknown) => err instanceof InvalidSpecError && /names no branch/.test(err.message),
  );
  assert.throws(() => gitRefOf('refs/tags/'), /names no tag/);
});

void test('the sync becomes a bootstrap-named GitRepository and Kustomization', () => {
  assert.deepEqual(syncObjects(testInstance()), [
    {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'GitRepository',
      metadata: { name: 'flux-system', namespace: 'flux-system' },
      spec: {
        interval: '1m',
        ref: { branch: 'main' },
        url: 'https://git.example.com/fleet.git',
        secretRef: { name: 'git-auth' },
      },
    },
    {
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      metadata: { name: 'flux-system', namespace: 'flux-system' },
      spec: {
        interval: '1m',
        path: 'clusters/dev',
        prune: true,
        sourceRef: { kind: 'GitRepository', name: 'flux-system' },
      },
    },
  ]);
});

void test('sync name, interval and provider are carried; no pull secret means no secretRef; no sync means no objects', () => {
  const instance = testInstance({
    sync: {
      kind: 'GitRepository',
      url: 'https://github.com/o/r',
      ref: 'refs/tags/v2',
      path: './',
      name: 'fleet',
      interval: '10m',
      provider: 'github',
    },
  });
  assert.equal(syncName(instance), 'fleet');
  const [repo, ks] = syncObjects(instance);
  assert.deepEqual(repo?.['spec'], {
    interval: '10m',
    ref: { tag: 'v2' },
    url: 'https://github.com/o/r',
    provider: 'github',
  });
  assert.equal(repo?.metadata.name, 'fleet');
  assert.deepEqual((ks?.['spec'] as { sourceRef: unknown }).sourceRef, { kind: 'GitRepository', name: 'fleet' });
  assert.deepEqual(syncObjects(testInstance({ sync: undefined })), []);
  assert.equal(syncName(testInstance({}, { namespace: 'ops' })), 'ops');
});

void test('an OCIRepository sync pulls the ref as a tag; a Bucket sync reads the ref as the bucket name at the url endpoint', () => {
  const oci = testInstance({
    sync: { kind: 'OCIRepository', url: 'oci://registry.example/fleet', ref: 'v1', path: './prod', pullSecret: 'ghcr' },
  });
  assert.deepEqual(syncObjects(oci), [
    {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'OCIRepository',
      metadata: { name: 'flux-system', namespace: 'flux-system' },
      spec: { interval: '1m', ref: { tag: 'v1' }, url: 'oci://registry.example/fleet', secretRef: { name: 'ghcr' } },
    },
    {
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      metadata: { name: 'flux-system', namespace: 'flux-system' },
      spec: { interval: '1m', path: './prod', prune: true, sourceRef: { kind: 'OCIRepository', name: 'flux-system' } },
    },
  ]);
  const bucket = testInstance({
    sync: { kind: 'Bucket', url: 's3.example:9000', ref: 'fleet', path: 'clusters/a', interval: '5m' },
  });
  const [source, ks] = syncObjects(bucket);
  assert.equal(source?.kind, 'Bucket');
  assert.deepEqual(source?.['spec'], { interval: '5m', bucketName: 'fleet', endpoint: 's3.example:9000' });
  assert.deepEqual((ks?.['spec'] as { sourceRef: unknown }).sourceRef, { kind: 'Bucket', name: 'flux-system' });
});
