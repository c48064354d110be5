import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseFluxEvent } from './parse-event.ts';
import { sampleEvent } from './test-fixtures.ts';

test('a Flux event decodes to the same payload', () => {
  const ev = sampleEvent();
  assert.deepEqual(parseFluxEvent(ev), { ok: true, event: ev });
});

test('optional strings default to empty, unknown fields are dropped', () => {
  const r = parseFluxEvent(
    sampleEvent({
      involvedObject: { kind: 'GitRepository', name: 'repo' },
      reportingInstance: undefined,
      metadata: undefined,
      extra: 1,
    }),
  );
  assert.ok(r.ok);
  assert.deepEqual(r.event.involvedObject, {
    apiVersion: '',
    kind: 'GitRepository',
    name: 'repo',
    namespace: '',
    uid: '',
  });
  assert.equal(r.event.reportingInstance, '');
  assert.ok(!('metadata' in r.event) && !('extra' in r.event));
});

test('the first invalid field is named: missing, null, wrong type, bad enum, bad time', () => {
  const cases: [unknown, string, RegExp][] = [
    [null, '(body)', /must be an object \(got null\)/],
    [[], '(body)', /got an array/],
    [sampleEvent({ involvedObject: null }), 'involvedObject', /got null/],
    [sampleEvent({ involvedObject: { kind: 'Kustomization' } }), 'involvedObject.name', /got nothing/],
    [sampleEvent({ involvedObject: { kind: 'Kustomization', name: '' } }), 'involvedObject.name', /must not be empty/],
    [sampleEvent({ severity: 'trace' }), 'severity', /"info" or "error"/],
    [sampleEvent({ severity: null }), 'severity', /got null/],
    [sampleEvent({ timestamp: 'yesterday' }), 'timestamp', /RFC 3339/],
    [sampleEvent({ message: 42 }), 'message', /got number/],
    [sampleEvent({ reason: null }), 'reason', /got null/],
    [sampleEvent({ metadata: null }), 'metadata', /got null/],
    [sampleEvent({ metadata: { 'a/b': null } }), 'metadata["a/b"]', /got null/],
    [sampleEvent({ reportingController: undefined }), 'reportingController', /got nothing/],
  ];
  for (const [input, field, reason] of cases) {
    const r = parseFluxEvent(input);
    assert.equal(r.ok, false, field);
    assert.equal(!r.ok && r.field, field);
    assert.match(!r.ok ? r.reason : '', reason);
  }
});
