import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SizedLru } from './sized-lru.ts';

void test('the least recently used entry leaves first once the size budget is passed', () => {
  const lru = new SizedLru<string>(4, (s) => s.length);
  lru.set('a', 'aa');
  lru.set('b', 'bb');
  assert.equal(lru.get('a'), 'aa', 'a is used, so b is now the oldest');
  lru.set('c', 'cc');
  assert.equal(lru.get('b'), undefined);
  assert.equal(lru.get('a'), 'aa');
  assert.equal(lru.get('c'), 'cc');
  assert.equal(lru.size, 2);
});

void test('an entry over the whole budget is not kept; replacing one does not count it twice', () => {
  const lru = new SizedLru<string>(4, (s) => s.length);
  lru.set('big', 'xxxxx');
  assert.equal(lru.get('big'), undefined);
  lru.set('a', 'aa');
  lru.set('a', 'AA');
  lru.set('b', 'bb');
  assert.equal(lru.get('a'), 'AA');
  assert.equal(lru.get('b'), 'bb');
  lru.delete('a');
  assert.equal(lru.get('a'), undefined);
  assert.equal(lru.size, 1);
});
