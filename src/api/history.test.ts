import { test } from 'node:test';
import assert from 'node:assert/strict';
import { recordHistory } from './history.ts';

const at = (s: number): Date => new Date(Date.UTC(2026, 0, 1, 0, 0, s));

test('repeats of the same digest and status update one entry', () => {
  let h = recordHistory([], {
    digest: 'sha256:a',
    status: 'ReconciliationSucceeded',
    durationMs: 1500,
    now: at(1),
    metadata: { revision: 'r1' },
  });
  h = recordHistory(h, {
    digest: 'sha256:a',
    status: 'ReconciliationSucceeded',
    durationMs: 500,
    now: at(2),
    metadata: { revision: 'r1' },
  });
  assert.equal(h.length, 1);
  assert.equal(h[0]?.totalReconciliations, 2);
  assert.equal(h[0]?.firstReconciled, '2026-01-01T00:00:01Z');
  assert.equal(h[0]?.lastReconciled, '2026-01-01T00:00:02Z');
  assert.equal(h[0]?.lastReconciledDuration, '500ms', 'Go Duration.String(), as metav1.Duration is written');
});

test('newest first, capped at five', () => {
  let h = recordHistory([], {
    digest: 'sha256:0',
    status: 'ReconciliationSucceeded',
    durationMs: 1,
    now: at(0),
    metadata: {},
  });
  for (let i = 1; i < 8; i++)
    h = recordHistory(h, {
      digest: `sha256:${i}`,
      status: 'ReconciliationSucceeded',
      durationMs: 1,
      now: at(i),
      metadata: {},
    });
  assert.equal(h.length, 5);
  assert.equal(h[0]?.digest, 'sha256:7');
  h = recordHistory(h, { digest: 'sha256:7', status: 'BuildFailed', durationMs: 1, now: at(9), metadata: {} });
  assert.equal(h[0]?.lastReconciledStatus, 'BuildFailed', 'a different status is a different entry');
});
