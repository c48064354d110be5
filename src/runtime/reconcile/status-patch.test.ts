import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonEqual, mergePatchOf } from './status-patch.ts';

describe('mergePatchOf', () => {
  it('is undefined when nothing changed, whatever the key order', () => {
    assert.equal(mergePatchOf({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 }), undefined);
    assert.ok(jsonEqual({ a: 1, x: undefined }, { a: 1 }));
  });

  it('deletes removed fields with null, keeps unchanged ones out of the patch', () => {
    const before = { observedIgnore: '/x', webhookPath: '/hook/1', observedGeneration: 2 };
    const after = { observedGeneration: 3 };
    assert.deepEqual(mergePatchOf(before, after), { observedIgnore: null, webhookPath: null, observedGeneration: 3 });
  });

  it('recurses into objects and replaces arrays whole', () => {
    const before = { artifact: { revision: 'a', size: 1 }, conditions: [{ type: 'Ready', status: 'False' }] };
    const after = { artifact: { revision: 'b', size: 1 }, conditions: [{ type: 'Ready', status: 'True' }] };
    assert.deepEqual(mergePatchOf(before, after), {
      artifact: { revision: 'b' },
      conditions: [{ type: 'Ready', status: 'True' }],
    });
  });

  it('removes a nested field and an undefined-valued one', () => {
    assert.deepEqual(mergePatchOf({ a: { b: 1, c: 2 } }, { a: { b: 1, c: undefined } }), { a: { c: null } });
  });

  it('adds fields that were absent', () => {
    assert.deepEqual(mergePatchOf({}, { inventory: { entries: [] } }), { inventory: { entries: [] } });
  });
});
