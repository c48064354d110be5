import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../kube/types.ts';
import { AppliedMemory, desiredHash } from './applied-memory.ts';

const cm = (data: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'a', namespace: 'ns' },
  data,
});
const ref = { apiVersion: 'v1', kind: 'ConfigMap', name: 'a', namespace: 'ns' };

void test('an object is known unchanged only with the same content and the same live resourceVersion', () => {
  let live: string | undefined = '10';
  const memory = new AppliedMemory({ live: () => live });
  const hash = desiredHash(cm({ k: 'v' }));
  assert.equal(memory.unchanged(ref, hash), false, 'nothing remembered yet');
  memory.remember(ref, hash, '10');
  assert.equal(memory.unchanged(ref, hash), true);
  assert.equal(memory.unchanged(ref, desiredHash(cm({ k: 'other' }))), false, 'new desired content');
  live = '11';
  assert.equal(memory.unchanged(ref, hash), false, 'someone wrote the object since');
  live = undefined;
  assert.equal(memory.unchanged(ref, hash), false, 'the watch cache does not know the object');
  live = '10';
  memory.forget(ref);
  assert.equal(memory.unchanged(ref, hash), false, 'forgotten');
});

void test('the same name in another API group is another object', () => {
  const memory = new AppliedMemory({ live: () => '1' });
  memory.remember(ref, 'h', '1');
  assert.equal(memory.unchanged({ ...ref, apiVersion: 'example.com/v1' }, 'h'), false);
});

void test('a missing resourceVersion is not remembered, and the size stays bounded', () => {
  const memory = new AppliedMemory({ live: () => '1', maxEntries: 2 });
  memory.remember(ref, 'h', undefined);
  assert.equal(memory.size, 0);
  for (const name of ['a', 'b', 'c']) memory.remember({ ...ref, name }, 'h', '1');
  assert.ok(memory.size <= 2);
});
