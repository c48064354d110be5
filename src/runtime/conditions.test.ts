import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  getCondition,
  markReady,
  markReconciling,
  markStalled,
  setCondition,
  type WithConditions,
} from './conditions.ts';

const obj = (): WithConditions => ({ metadata: { generation: 3 }, status: {} });

test('lastTransitionTime changes only when the status flips', () => {
  const o = obj();
  setCondition(o, { type: 'Ready', status: 'False', reason: 'A', message: 'a' }, new Date('2026-01-01T00:00:00Z'));
  setCondition(o, { type: 'Ready', status: 'False', reason: 'B', message: 'b' }, new Date('2026-01-02T00:00:00Z'));
  assert.equal(getCondition(o, 'Ready')?.lastTransitionTime, '2026-01-01T00:00:00Z');
  assert.equal(getCondition(o, 'Ready')?.reason, 'B');
  setCondition(o, { type: 'Ready', status: 'True', reason: 'C', message: 'c' }, new Date('2026-01-03T00:00:00Z'));
  assert.equal(getCondition(o, 'Ready')?.lastTransitionTime, '2026-01-03T00:00:00Z');
  assert.equal(getCondition(o, 'Ready')?.observedGeneration, 3);
});

test('Flux ordering and abnormal-true conditions', () => {
  const o = obj();
  setCondition(o, { type: 'Healthy', status: 'True', reason: 'Succeeded', message: '' });
  markReconciling(o, 'Progressing', 'working');
  assert.deepEqual(
    o.status?.conditions?.map((c) => c.type),
    ['Reconciling', 'Ready', 'Healthy'],
  );
  assert.equal(getCondition(o, 'Ready')?.status, 'Unknown');
  markStalled(o, 'InvalidPath', 'bad path');
  assert.deepEqual(
    o.status?.conditions?.map((c) => c.type),
    ['Stalled', 'Ready', 'Healthy'],
  );
  assert.equal(getCondition(o, 'Ready')?.status, 'False');
  markReady(o, 'Succeeded', 'ok');
  assert.deepEqual(
    o.status?.conditions?.map((c) => c.type),
    ['Ready', 'Healthy'],
  );
});

test('long messages are truncated', () => {
  const o = obj();
  setCondition(o, { type: 'Ready', status: 'False', reason: 'X', message: 'x'.repeat(50_000) });
  assert.ok((getCondition(o, 'Ready')?.message.length ?? 0) <= 20_000);
});
