import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addToHistory } from './history.ts';

const at = (s: number) => new Date(Date.UTC(2026, 0, 2, 3, 4, s, 500));

void test('repeats of the same digest and status are folded, newest first, capped at five', () => {
  let h = addToHistory(undefined, {
    digest: 'sha256:a',
    status: 'ReconciliationSucceeded',
    durationMs: 1234,
    now: at(1),
    metadata: { flux: '2.x' },
  });
  assert.deepEqual(h, [
    {
      digest: 'sha256:a',
      firstReconciled: '2026-01-02T03:04:01Z',
      lastReconciled: '2026-01-02T03:04:01Z',
      lastReconciledDuration: '1.234s',
      lastReconciledStatus: 'ReconciliationSucceeded',
      totalReconciliations: 1,
      metadata: { flux: '2.x' },
    },
  ]);
  h = addToHistory(h, { digest: 'sha256:a', status: 'HealthCheckFailed', durationMs: 0, now: at(2), metadata: {} });
  h = addToHistory(h, {
    digest: 'sha256:a',
    status: 'ReconciliationSucceeded',
    durationMs: 2000,
    now: at(3),
    metadata: { flux: '2.x' },
  });
  assert.deepEqual(
    h.map((s) => [
      s.lastReconciledStatus,
      s.totalReconciliations,
      s.firstReconciled,
      s.lastReconciled,
      s.lastReconciledDuration,
    ]),
    [
      ['ReconciliationSucceeded', 2, '2026-01-02T03:04:01Z', '2026-01-02T03:04:03Z', '2s'],
      ['HealthCheckFailed', 1, '2026-01-02T03:04:02Z', '2026-01-02T03:04:02Z', '0s'],
    ],
  );
  for (let i = 0; i < 6; i++)
    h = addToHistory(h, {
      digest: `sha256:${i}`,
      status: 'ReconciliationSucceeded',
      durationMs: 1,
      now: at(10 + i),
      metadata: {},
    });
  assert.deepEqual(
    h.map((s) => s.digest),
    ['sha256:5', 'sha256:4', 'sha256:3', 'sha256:2', 'sha256:1'],
  );
});
