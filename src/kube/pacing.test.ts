import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Pacing, pacingFromAnswer, RequestPacer, TokenBucket } from './pacing.ts';

const apf = { 'x-kubernetes-pf-flowschema-uid': 'f', 'x-kubernetes-pf-prioritylevel-uid': 'p' };

void test('an answer tells APF by its flow-schema header; no answer and 401 tell nothing', () => {
  assert.equal(pacingFromAnswer(200, apf), Pacing.Server);
  assert.equal(pacingFromAnswer(404, apf), Pacing.Server, 'errors passed through the APF filter too');
  assert.equal(pacingFromAnswer(200, {}), Pacing.Client);
  assert.equal(pacingFromAnswer(403, {}), Pacing.Client);
  assert.equal(pacingFromAnswer(401, {}), undefined, 'authentication runs before the APF filter');
  assert.equal(pacingFromAnswer(0, {}), undefined);
});

void test('the bucket lets a burst through, then one request per 1/qps, queueing waiters in order', () => {
  let now = 0;
  const bucket = new TokenBucket({ qps: 10, burst: 3, now: () => now });
  assert.deepEqual([bucket.reserve(), bucket.reserve(), bucket.reserve()], [0, 0, 0]);
  // Three callers arriving at once wait 100, 200 and 300 ms: each holds a reservation, none polls.
  assert.deepEqual([bucket.reserve(), bucket.reserve(), bucket.reserve()], [100, 200, 300]);
  now += 10_000;
  assert.equal(bucket.reserve(), 0, 'tokens saved while idle, up to the burst');
});

void test('the pacer throttles until an answer decides, then keeps that decision', () => {
  const now = 0;
  const pacer = new RequestPacer({ qps: 1, burst: 1, now: () => now });
  assert.equal(pacer.pacing, Pacing.Undecided);
  assert.equal(pacer.delay(), 0);
  assert.equal(pacer.delay(), 1000, 'undecided: the flags apply');
  pacer.observe(401, {});
  assert.equal(pacer.pacing, Pacing.Undecided);
  pacer.observe(200, apf);
  assert.equal(pacer.pacing, Pacing.Server);
  assert.deepEqual([pacer.delay(), pacer.delay(), pacer.delay()], [0, 0, 0]);
  pacer.observe(200, {});
  assert.equal(pacer.pacing, Pacing.Server, 'decided once, as Flux decides once at start');
});

void test('a server without APF keeps the client-side limit', () => {
  const pacer = new RequestPacer({ qps: 2, burst: 1, now: () => 0 });
  pacer.observe(200, {});
  assert.equal(pacer.pacing, Pacing.Client);
  assert.deepEqual([pacer.delay(), pacer.delay()], [0, 500]);
});
