import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DriftLog, driftRecords } from './drift-log.ts';

const owner = { kind: 'Kustomization', namespace: 'apps', name: 'app' };

test('a re-apply after a watched edit records the fields, the field manager and both times', () => {
  const records = driftRecords({
    owner,
    revision: 'main@sha1:abc',
    notices: [
      { subject: 'ConfigMap/apps/a', change: 'modified', by: 'kubectl-edit', at: '2026-01-01T00:00:00.000Z' },
      { subject: 'Deployment/apps/d', change: 'deleted', by: 'unknown', at: '2026-01-01T00:00:01.000Z' },
    ],
    changes: [
      { subject: 'ConfigMap/apps/a', action: 'configured', fields: ['/data/v'] },
      { subject: 'Deployment/apps/d', action: 'created' },
      // Changed at the same revision but not seen by the watch: not logged as drift.
      { subject: 'ConfigMap/apps/b', action: 'configured', fields: ['/data/x'] },
      { subject: 'ConfigMap/apps/c', action: 'unchanged' },
    ],
    now: new Date('2026-01-01T00:00:02.000Z'),
  });
  assert.deepEqual(records, [
    {
      owner,
      subject: 'ConfigMap/apps/a',
      change: 'modified',
      by: 'kubectl-edit',
      fields: ['/data/v'],
      detectedAt: '2026-01-01T00:00:00.000Z',
      correctedAt: '2026-01-01T00:00:02.000Z',
      revision: 'main@sha1:abc',
    },
    {
      owner,
      subject: 'Deployment/apps/d',
      change: 'deleted',
      by: 'unknown',
      fields: [],
      detectedAt: '2026-01-01T00:00:01.000Z',
      correctedAt: '2026-01-01T00:00:02.000Z',
      revision: 'main@sha1:abc',
    },
  ]);
});

test('the log is bounded, newest first, and filtered by owner', () => {
  const log = new DriftLog(3);
  const seen: string[] = [];
  log.onRecord((r) => seen.push(r.subject));
  for (const [i, name] of ['app', 'other', 'app', 'app'].entries())
    log.add({
      owner: { ...owner, name },
      subject: `ConfigMap/apps/${i}`,
      change: 'modified',
      by: 'm',
      fields: [],
      correctedAt: '',
      revision: '',
    });
  assert.deepEqual(
    log.list(10).map((r) => r.subject),
    ['ConfigMap/apps/3', 'ConfigMap/apps/2', 'ConfigMap/apps/1'],
  );
  assert.deepEqual(
    log.list(10, owner).map((r) => r.subject),
    ['ConfigMap/apps/3', 'ConfigMap/apps/2'],
  );
  assert.equal(log.list(1).length, 1);
  assert.equal(seen.length, 4);
});
