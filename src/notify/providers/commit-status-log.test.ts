import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CommitStatusLog, type SentCommitStatus } from './commit-status-log.ts';

const status = (name: string, sha: string): SentCommitStatus => ({
  object: { kind: 'Kustomization', namespace: 'apps', name },
  provider: { type: 'github', name: 'flux-system/gh' },
  sha,
  state: 'success',
  context: `kustomization/${name}/0c9c2e41`,
  description: 'Applied revision',
  sentAt: '2026-01-01T00:00:00Z',
});

test('the log lists the newest statuses first, per object, and keeps only the newest max', () => {
  const log = new CommitStatusLog(3);
  log.add(status('a', '1'));
  log.add(status('b', '2'));
  log.add(status('a', '3'));
  log.add(status('a', '4'));
  assert.deepEqual(
    log.list().map((s) => s.sha),
    ['4', '3', '2'],
  );
  assert.deepEqual(
    log.list(10, { kind: 'Kustomization', namespace: 'apps', name: 'a' }).map((s) => s.sha),
    ['4', '3'],
  );
  assert.deepEqual(
    log.list(1, { kind: 'Kustomization', namespace: 'apps', name: 'a' }).map((s) => s.sha),
    ['4'],
  );
  assert.deepEqual(log.list(10, { kind: 'HelmRelease', namespace: 'apps', name: 'a' }), []);
});
