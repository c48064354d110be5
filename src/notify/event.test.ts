import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanMetadata, extractCommitSha, metadataValue, objectTitle, revisionOf } from './event.ts';
import { makeEvent, testSha } from './alerts/test-events.ts';

const sha256 = 'ab'.repeat(32);

void test('extractCommitSha accepts every Flux revision form and rejects the rest', () => {
  const cases: [string, string | undefined][] = [
    [`main@sha1:${testSha}`, testSha],
    [`sha1:${testSha}`, testSha],
    [`refs/heads/feature/x@sha1:${testSha}`, testSha],
    [`v1.2.3@sha1:${testSha.toUpperCase()}`, testSha],
    [`main@sha256:${sha256}`, sha256],
    [`main/${testSha}`, testSha],
    [`feature/x/${testSha}`, testSha],
    [testSha, testSha],
    [sha256, sha256],
    ['', undefined],
    ['main', undefined],
    ['6.0.3+4e5cbb7b97d0', undefined],
    [`main@sha1:${testSha.slice(0, 39)}`, undefined],
    [`main@sha256:${testSha}`, undefined],
    [`main@md5:${testSha}`, undefined],
    [`main/${testSha.slice(0, 12)}`, undefined],
    ['latest@sha256:zz', undefined],
  ];
  for (const [revision, want] of cases) assert.equal(extractCommitSha(revision), want, revision);
});

void test('revisionOf prefers commit, then originRevision, then revision, stripped or prefixed', () => {
  const g = 'kustomize.toolkit.fluxcd.io';
  assert.equal(revisionOf(makeEvent({ metadata: {} })), undefined);
  assert.equal(revisionOf(makeEvent({ metadata: { [`${g}/revision`]: 'r' } })), 'r');
  assert.equal(revisionOf(makeEvent({ metadata: { revision: 'r', originRevision: 'o' } })), 'o');
  assert.equal(revisionOf(makeEvent({ metadata: { revision: 'r', [`${g}/originRevision`]: 'o', commit: 'c' } })), 'c');
  // An empty commit key does not hide the revision.
  assert.equal(revisionOf(makeEvent({ metadata: { commit: '', revision: 'r' } })), 'r');
  // Another group's keys are not this object's revision.
  assert.equal(revisionOf(makeEvent({ metadata: { 'helm.toolkit.fluxcd.io/revision': 'x' } })), undefined);
  assert.equal(metadataValue(makeEvent({ metadata: { revision: 'a', [`${g}/revision`]: 'b' } }), 'revision'), 'a');
});

void test('cleanMetadata keeps only the object group and event annotations, minus checksum/digest/token', () => {
  const g = 'kustomize.toolkit.fluxcd.io';
  const event = makeEvent({
    metadata: {
      [`${g}/revision`]: 'main@sha1:x',
      [`${g}/checksum`]: 'c',
      [`${g}/digest`]: 'd',
      [`${g}/token`]: 't',
      'event.toolkit.fluxcd.io/summary': 'prod',
      'helm.toolkit.fluxcd.io/revision': 'other group',
      revision: 'unprefixed',
      [`${g}x/revision`]: 'lookalike group',
    },
  });
  const cleaned = cleanMetadata(event);
  assert.deepEqual(cleaned.metadata, { [`${g}/revision`]: 'main@sha1:x', 'event.toolkit.fluxcd.io/summary': 'prod' });
  assert.equal(Object.keys(event.metadata ?? {}).length, 8, 'input untouched');
});

void test('objectTitle is kind/name.namespace with the kind lowercased', () => {
  assert.equal(objectTitle(makeEvent()), 'kustomization/webapp.apps');
});
