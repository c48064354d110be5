import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeMetadata, MetadataSources } from './metadata.ts';
import { makeAlert, makeEvent } from './test-events.ts';

const g = 'kustomize.toolkit.fluxcd.io';

void test('precedence: annotations < eventMetadata < summary < controller keys, prefixes stripped', () => {
  const event = makeEvent({
    metadata: {
      'event.toolkit.fluxcd.io/summary': 'from annotation',
      'event.toolkit.fluxcd.io/env': 'annotation-env',
      'event.toolkit.fluxcd.io/team': 'annotation-team',
      'event.toolkit.fluxcd.io/revision': 'annotation-revision',
      [`${g}/revision`]: 'main@sha1:abc',
      'helm.toolkit.fluxcd.io/other': 'dropped',
    },
  });
  const alert = makeAlert({
    eventMetadata: { env: 'prod', summary: 'from eventMetadata', cluster: 'c1' },
    summary: 'S',
  });
  const { event: merged, conflicts } = mergeMetadata(event, alert);
  assert.deepEqual(merged.metadata, {
    summary: 'S',
    env: 'prod',
    team: 'annotation-team',
    revision: 'main@sha1:abc',
    cluster: 'c1',
  });
  assert.deepEqual(conflicts, [
    { key: 'env', sources: [MetadataSources.objectAnnotations, MetadataSources.alertEventMetadata] },
    { key: 'revision', sources: [MetadataSources.objectAnnotations, MetadataSources.controller] },
    {
      key: 'summary',
      sources: [MetadataSources.objectAnnotations, MetadataSources.alertEventMetadata, MetadataSources.alertSummary],
    },
  ]);
  assert.equal(event.metadata?.[`${g}/revision`], 'main@sha1:abc', 'input untouched');
});

void test('controller keys beat the Alert summary; no conflicts when sources are disjoint', () => {
  const event = makeEvent({ metadata: { [`${g}/summary`]: 'controller' } });
  assert.equal(mergeMetadata(event, makeAlert({ summary: 'alert' })).event.metadata?.summary, 'controller');
  const plain = mergeMetadata(makeEvent(), makeAlert({ eventMetadata: { env: 'prod' } }));
  assert.deepEqual(plain.event.metadata, { revision: (makeEvent().metadata ?? {})[`${g}/revision`], env: 'prod' });
  assert.deepEqual(plain.conflicts, []);
});
