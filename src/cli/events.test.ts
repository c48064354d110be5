import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventHeader, eventRow, eventTime, isFluxEvent, lastSeen, sortEvents, type CoreEvent } from './events.ts';

const now = new Date('2026-05-01T12:00:00Z');
const ev = (name: string, fields: Partial<CoreEvent> = {}): CoreEvent => ({
  apiVersion: 'v1',
  kind: 'Event',
  metadata: { name, namespace: 'apps' },
  type: 'Normal',
  reason: 'ReconciliationSucceeded',
  message: `message of ${name}`,
  involvedObject: {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    name: 'app',
    namespace: 'apps',
  },
  ...fields,
});

void test('events sort by series time, else lastTimestamp, else eventTime, oldest first and stable', () => {
  const events = [
    ev('c', { lastTimestamp: '2026-05-01T11:59:00Z' }),
    ev('a', { eventTime: '2026-05-01T11:00:00.000000Z' }),
    ev('d', {
      series: { count: 3, lastObservedTime: '2026-05-01T11:59:30.000000Z' },
      lastTimestamp: '2026-05-01T10:00:00Z',
    }),
    ev('b1', { lastTimestamp: '2026-05-01T11:30:00Z' }),
    ev('b2', { lastTimestamp: '2026-05-01T11:30:00Z' }),
  ];
  assert.deepEqual(
    sortEvents(events).map((e) => e.metadata.name),
    ['a', 'b1', 'b2', 'c', 'd'],
  );
  assert.equal(eventTime(ev('none')), 0);
});

void test('LAST SEEN shows the age, with repeats as (xN over age) like kubectl', () => {
  assert.equal(
    lastSeen(
      ev('one', { firstTimestamp: '2026-05-01T11:55:00Z', lastTimestamp: '2026-05-01T11:55:00Z', count: 1 }),
      now,
    ),
    '5m',
  );
  assert.equal(
    lastSeen(
      ev('rep', { firstTimestamp: '2026-05-01T10:00:00Z', lastTimestamp: '2026-05-01T11:59:15Z', count: 4 }),
      now,
    ),
    '45s (x4 over 120m)',
  );
  assert.equal(
    lastSeen(
      ev('series', {
        eventTime: '2026-05-01T09:00:00Z',
        series: { count: 2, lastObservedTime: '2026-05-01T11:00:00Z' },
      }),
      now,
    ),
    '60m (x2 over 3h)',
  );
  assert.equal(lastSeen(ev('never'), now), '<unknown>');
});

void test('only events about Flux objects are kept', () => {
  assert.equal(isFluxEvent(ev('ks')), true);
  assert.equal(
    isFluxEvent(
      ev('report', { involvedObject: { apiVersion: 'fluxcd.controlplane.io/v1', kind: 'FluxReport', name: 'flux' } }),
    ),
    true,
  );
  assert.equal(
    isFluxEvent(ev('legacy', { involvedObject: { kind: 'GitRepository', name: 'repo' } })),
    true,
    'kind alone is enough',
  );
  assert.equal(isFluxEvent(ev('pod', { involvedObject: { apiVersion: 'v1', kind: 'Pod', name: 'web' } })), false);
});

void test('rows read LAST SEEN, TYPE, REASON, OBJECT, MESSAGE with the namespace first when asked', () => {
  const e = ev('x', {
    type: 'Warning',
    reason: 'BuildFailed',
    message: 'kustomize build failed',
    lastTimestamp: '2026-05-01T11:59:50Z',
    firstTimestamp: '2026-05-01T11:59:50Z',
  });
  assert.deepEqual(eventHeader(false), ['Last seen', 'Type', 'Reason', 'Object', 'Message']);
  assert.deepEqual(eventRow(e, now, false), [
    '10s',
    'Warning',
    'BuildFailed',
    'Kustomization/app',
    'kustomize build failed',
  ]);
  assert.deepEqual(eventRow(e, now, true).slice(0, 2), ['apps', '10s']);
});
