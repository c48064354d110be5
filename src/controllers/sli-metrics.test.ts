import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import {
  CommitTimeMetadataKey,
  commitTimeMetadata,
  commitTimeOf,
  commitToAppliedSeconds,
  SliMetrics,
} from './sli-metrics.ts';

const commit = new Date('2026-03-01T10:00:00Z');
const meta = commitTimeMetadata(commit);

// The value of the counter series with exactly these labels.
const sample = async (
  registry: Registry,
  name: string,
  labels: Record<string, string>,
): Promise<number | undefined> => {
  const values = (await registry.getSingleMetric(name)?.get())?.values ?? [];
  return values.find((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val))?.value;
};

test('commit time round-trips through artifact metadata as RFC 3339 without milliseconds', () => {
  assert.deepEqual(meta, { [CommitTimeMetadataKey]: '2026-03-01T10:00:00Z' });
  assert.equal(commitTimeOf(meta)?.getTime(), commit.getTime());
  assert.equal(commitTimeOf(undefined), undefined);
  assert.equal(commitTimeOf({ [CommitTimeMetadataKey]: 'yesterday' }), undefined);
});

test('commit-to-applied is measured once per new revision committed after the applier existed', () => {
  const base = {
    kind: 'Kustomization',
    revision: 'main@sha1:b',
    artifactMetadata: meta,
    createdAt: '2026-03-01T09:00:00Z',
  };
  const appliedAt = new Date('2026-03-01T10:02:30Z');
  assert.equal(commitToAppliedSeconds({ ...base, previousRevision: 'main@sha1:a', appliedAt }), 150);
  assert.equal(commitToAppliedSeconds({ ...base, appliedAt }), 150, 'a first apply of a fresh commit counts');
  assert.equal(
    commitToAppliedSeconds({ ...base, previousRevision: 'main@sha1:b', appliedAt }),
    undefined,
    'same revision re-applied',
  );
  assert.equal(
    commitToAppliedSeconds({ ...base, createdAt: '2026-03-01T11:00:00Z', appliedAt }),
    undefined,
    'commit older than the applier',
  );
  assert.equal(commitToAppliedSeconds({ ...base, artifactMetadata: {}, appliedAt }), undefined, 'commit time unknown');
  assert.equal(
    commitToAppliedSeconds({ ...base, appliedAt: new Date('2026-03-01T09:59:00Z') }),
    0,
    'clock skew clamps to zero',
  );
});

test('reconciled counts outcomes per kind and errors per Ready reason; instances share a registry', async () => {
  const registry = new Registry();
  const a = new SliMetrics({ registry, kinds: ['GitRepository'] });
  const b = new SliMetrics({ registry });
  assert.equal(
    await sample(registry, 'driftless_reconcile_total', { kind: 'GitRepository', result: 'failure' }),
    0,
    'series start at zero',
  );
  a.reconciled('GitRepository');
  b.reconciled('GitRepository');
  b.reconciled('Kustomization', 'BuildFailed');
  b.reconciled('Kustomization', '');
  assert.equal(await sample(registry, 'driftless_reconcile_total', { kind: 'GitRepository', result: 'success' }), 2);
  assert.equal(await sample(registry, 'driftless_reconcile_total', { kind: 'Kustomization', result: 'failure' }), 2);
  assert.equal(
    await sample(registry, 'driftless_reconcile_errors_total', { kind: 'Kustomization', reason: 'BuildFailed' }),
    1,
  );
  assert.equal(
    await sample(registry, 'driftless_reconcile_errors_total', { kind: 'Kustomization', reason: 'Unknown' }),
    1,
  );
});

test('applied observes the histogram only for delivered revisions; hooks record', async () => {
  const registry = new Registry();
  const sli = new SliMetrics({ registry });
  const applied = {
    kind: 'Kustomization',
    revision: 'main@sha1:b',
    previousRevision: 'main@sha1:a',
    artifactMetadata: meta,
    appliedAt: new Date('2026-03-01T10:00:42Z'),
  };
  sli.applied(applied);
  sli.applied({ ...applied, previousRevision: 'main@sha1:b' });
  const text = await registry.metrics();
  assert.match(text, /driftless_commit_to_applied_seconds_count\{kind="Kustomization"\} 1\n/);
  assert.match(text, /driftless_commit_to_applied_seconds_sum\{kind="Kustomization"\} 42\n/);
  assert.match(text, /driftless_commit_to_applied_seconds_bucket\{le="60",kind="Kustomization"\} 1\n/);
  assert.match(text, /driftless_commit_to_applied_seconds_bucket\{le="30",kind="Kustomization"\} 0\n/);
  sli.imageAutomationFailed('GitPushFailed');
  sli.startGitPush()();
  const after = await registry.metrics();
  assert.match(after, /driftless_image_automation_failures_total\{reason="GitPushFailed"\} 1\n/);
  assert.match(after, /driftless_git_push_duration_seconds_count 1\n/);
});
