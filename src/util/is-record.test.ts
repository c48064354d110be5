import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRecord } from './is-record.ts';

void test('isRecord accepts mappings and rejects everything else a parser returns', () => {
  assert.equal(isRecord({}), true);
  assert.equal(isRecord({ a: 1 }), true);
  assert.equal(isRecord(Object.create(null)), true);
  for (const v of [null, undefined, [], [1], 'x', 1, true, () => undefined]) {
    assert.equal(isRecord(v), false, `expected ${String(v)} to be rejected`);
  }
});

void test('isRecord narrows so fields can be read without casts', () => {
  const parsed: unknown = JSON.parse('{"metadata":{"name":"x"}}');
  assert.ok(isRecord(parsed) && isRecord(parsed['metadata']));
  assert.equal(parsed['metadata']['name'], 'x');
});
