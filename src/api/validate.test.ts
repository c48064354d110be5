import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidSpecError } from './errors.ts';
import { GitRepositorySchema } from './git-repository.ts';
import { ArtifactSchema, ConditionSchema } from './meta.ts';
import { assertValid, isValid, schemaIssues } from './validate.ts';

const condition = {
  type: 'Ready',
  status: 'True',
  reason: 'Succeeded',
  message: 'ok',
  observedGeneration: 2,
  lastTransitionTime: '2025-08-15T11:12:00Z',
};

void test('conditions follow metav1.Condition rules', () => {
  assert.equal(isValid(ConditionSchema, condition), true);
  assert.equal(
    isValid(ConditionSchema, { ...condition, lastTransitionTime: '2025-08-15T11:12:00.123456789+02:00' }),
    true,
  );
  for (const bad of [
    { ...condition, status: 'true' },
    { ...condition, reason: '' },
    { ...condition, reason: 'has space' },
    { ...condition, lastTransitionTime: 'yesterday' },
    { ...condition, lastTransitionTime: '2025-13-45T99:00:00Z' },
    { ...condition, observedGeneration: -1 },
    { ...condition, message: undefined },
  ]) {
    assert.equal(isValid(ConditionSchema, bad), false, JSON.stringify(bad));
  }
});

void test('artifact digests must be <algo>:<hex>', () => {
  const artifact = {
    path: 'gitrepository/default/podinfo/abc.tar.gz',
    url: 'http://localhost/gitrepository/default/podinfo/abc.tar.gz',
    revision: 'main@sha1:abc',
    digest: 'sha256:95e386f4',
    lastUpdateTime: '2022-02-14T11:23:36Z',
  };
  assert.equal(isValid(ArtifactSchema, artifact), true);
  assert.equal(isValid(ArtifactSchema, { ...artifact, digest: '95e386f4' }), false);
  assert.equal(isValid(ArtifactSchema, { ...artifact, size: '12' }), false);
});

void test('assertValid names the object and the first bad field', () => {
  const obj = {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'GitRepository',
    metadata: { name: 'podinfo', namespace: 'default' },
    spec: { url: 'https://example.com/repo', interval: 'often' },
  };
  assert.ok(schemaIssues(GitRepositorySchema, obj).some((i) => i.path === '/spec/interval'));
  assert.throws(
    () => assertValid(GitRepositorySchema, obj, 'GitRepository default/podinfo'),
    (e: unknown) =>
      e instanceof InvalidSpecError &&
      e.field === 'spec.interval' &&
      e.message.startsWith('GitRepository default/podinfo is invalid: /spec/interval'),
  );
  const good = { ...obj, spec: { ...obj.spec, interval: '1m' } };
  assert.equal(assertValid(GitRepositorySchema, good, 'x').spec.interval, '1m');
});
