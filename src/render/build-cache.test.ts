import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BuildCache, buildCacheKey } from './build-cache.ts';
import type { KubeObject } from './types.ts';

const cm = (name: string, value = 'v'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name },
  data: { value },
});

void test('a stored build comes back equal, as fresh objects each time', () => {
  const cache = new BuildCache();
  const objects = [cm('a'), cm('b')];
  cache.set('k', { objects, digest: 'sha256:1' });
  objects[0]!.metadata.name = 'changed after set';
  const first = cache.get('k');
  assert.deepEqual(first, { objects: [cm('a'), cm('b')], digest: 'sha256:1' });
  first!.objects[1]!.metadata.labels = { edited: 'by a caller' };
  assert.deepEqual(cache.get('k')?.objects, [cm('a'), cm('b')], 'a caller editing its copy changes nothing stored');
  assert.equal(cache.get('other'), undefined);
});

void test('least recently used builds leave first once the byte limit is passed; oversized builds are not kept', () => {
  const size = JSON.stringify([cm('a')]).length;
  const cache = new BuildCache({ maxBytes: size * 2 });
  cache.set('a', { objects: [cm('a')], digest: 'a' });
  cache.set('b', { objects: [cm('b')], digest: 'b' });
  assert.ok(cache.get('a'), 'a is used, so b is now the oldest');
  cache.set('c', { objects: [cm('c')], digest: 'c' });
  assert.equal(cache.get('b'), undefined);
  assert.ok(cache.get('a'));
  assert.ok(cache.get('c'));
  cache.set('big', { objects: [cm('a'), cm('b'), cm('c')], digest: 'big' });
  assert.equal(cache.get('big'), undefined);
  assert.equal(cache.size, 2);
  // Replacing an entry does not count it twice.
  cache.set('a', { objects: [cm('a', 'w')], digest: 'a2' });
  assert.equal(cache.get('a')?.digest, 'a2');
  assert.ok(cache.get('c'));
});

void test('the key changes with every input and is stable for equal inputs', () => {
  const base = {
    digest: 'sha256:1',
    path: './app',
    spec: { targetNamespace: 'x' },
    kustomizeBin: '/k',
    allowRemoteBases: false,
  };
  assert.equal(buildCacheKey(base), buildCacheKey({ ...base, spec: { targetNamespace: 'x' } }));
  for (const change of [
    { digest: 'sha256:2' },
    { path: './other' },
    { spec: { targetNamespace: 'y' } },
    { spec: { targetNamespace: 'x', namePrefix: 'p-' } },
    { kustomizeBin: '/k2' },
    { allowRemoteBases: true },
  ])
    assert.notEqual(buildCacheKey({ ...base, ...change }), buildCacheKey(base), JSON.stringify(change));
});
