// Pure parts of the ImageRepository reconciler: the image name, when to scan, spec.timeout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { imageRepositoryTimeoutMs, type ImageRepository } from '../../api/image-repository.ts';
import { parseImageName } from '../../sources/image/image-name.ts';
import { scanReason } from './reconciler.ts';

void test('image names: Docker Hub made explicit, registries with ports kept; tags, digests and schemes refused', () => {
  assert.equal(parseImageName('alpine').canonicalName, 'index.docker.io/library/alpine');
  assert.equal(parseImageName('fluxcd/flux').canonicalName, 'index.docker.io/fluxcd/flux');
  assert.deepEqual(parseImageName('localhost:5000/org/app'), {
    registry: 'localhost:5000',
    repository: 'org/app',
    canonicalName: 'localhost:5000/org/app',
  });
  assert.throws(() => parseImageName('ghcr.io/org/app:v1'), /must not contain a tag/);
  assert.throws(() => parseImageName('https://ghcr.io/org/app'), /must not start with a scheme/);
  assert.throws(() => parseImageName('ghcr.io/Org/App'), /not a valid name/);
});

void test('spec.timeout: defaults to the interval, at least one second', () => {
  assert.equal(imageRepositoryTimeoutMs({ interval: '5m' }), 300_000);
  assert.equal(imageRepositoryTimeoutMs({ interval: '5m', timeout: '30s' }), 30_000);
  assert.equal(imageRepositoryTimeoutMs({ interval: '5m', timeout: '100ms' }), 1000);
});

const repo = (status: ImageRepository['status'], annotations: Record<string, string> = {}): ImageRepository => ({
  apiVersion: 'image.toolkit.fluxcd.io/v1',
  kind: 'ImageRepository',
  metadata: { name: 'app', namespace: 'ns', annotations },
  spec: { image: 'localhost:5000/app', interval: '1m' },
  ...(status ? { status } : {}),
});

void test('scan reasons follow Flux: first scan, request, new name, exclusion list, empty store, interval', () => {
  const now = Date.parse('2026-01-01T00:10:00Z');
  const scanned = {
    canonicalImageName: 'localhost:5000/app',
    observedExclusionList: ['^.*\\.sig$'],
    lastScanResult: { tagCount: 2, scanTime: '2026-01-01T00:09:30Z' },
    lastHandledReconcileAt: 't1',
  };
  const c = 'localhost:5000/app';
  assert.equal(scanReason(repo(undefined), c, 0, now, 60_000).reason, 'first scan');
  assert.deepEqual(scanReason(repo(scanned), c, 2, now, 60_000), { nextScanMs: 30_000 });
  assert.equal(
    scanReason(repo(scanned, { 'reconcile.fluxcd.io/requestedAt': 't2' }), c, 2, now, 60_000).reason,
    'reconcile requested',
  );
  assert.equal(
    scanReason(repo(scanned, { 'reconcile.fluxcd.io/requestedAt': 't1' }), c, 2, now, 60_000).reason,
    undefined,
  );
  assert.equal(scanReason(repo(scanned), 'localhost:5000/other', 2, now, 60_000).reason, 'new image name');
  assert.equal(
    scanReason(repo({ ...scanned, observedExclusionList: ['x'] }), c, 2, now, 60_000).reason,
    'updated exclusion list',
  );
  assert.equal(scanReason(repo(scanned), c, 0, now, 60_000).reason, 'no tags in database');
  assert.equal(scanReason(repo(scanned), c, 2, now + 30_000, 60_000).reason, 'triggered by interval');
});
