import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FluxEvent } from '../event.ts';
import { FakeClock } from '../../runtime/fake-clock.ts';
import { createEventIntakeApp, startEventIntakeServer, type IntakeOutcome } from './event-intake.ts';
import { sampleEvent } from './test-fixtures.ts';

function harness(opts: { maxBodyBytes?: number; failDispatch?: boolean } = {}) {
  const clock = new FakeClock();
  clock.advance(Date.parse('2026-03-01T12:00:00Z'));
  const dispatched: FluxEvent[] = [];
  const outcomes: IntakeOutcome[] = [];
  const app = createEventIntakeApp({
    dispatch: async (e) => {
      if (opts.failDispatch) throw new Error('alerts unavailable');
      dispatched.push(e);
    },
    clock,
    observer: { received: (o) => outcomes.push(o) },
    ...(opts.maxBodyBytes ? { maxBodyBytes: opts.maxBodyBytes } : {}),
  });
  const post = (
    body: string | Uint8Array<ArrayBuffer>,
    headers: Record<string, string> = { 'content-type': 'application/json' },
  ) => app.request('/', { method: 'POST', headers, body });
  return { app, clock, dispatched, outcomes, post };
}

test('a valid event is answered 202 and dispatched once with the same payload', async () => {
  const h = harness();
  const ev = sampleEvent();
  const res = await h.post(JSON.stringify(ev));
  assert.equal(res.status, 202);
  assert.deepEqual(h.dispatched, [ev]);
  assert.deepEqual(h.outcomes, ['accepted']);
});

test('a duplicate within the interval is refused with 429 like Flux, and allowed again after it', async () => {
  const h = harness();
  const ev = JSON.stringify(sampleEvent());
  assert.equal((await h.post(ev)).status, 202);
  const dup = await h.post(ev);
  assert.equal(dup.status, 429);
  assert.equal(dup.headers.get('retry-after'), 'Sun, 01 Mar 2026 12:05:00 UTC');
  assert.equal(dup.headers.get('x-ratelimit-limit'), '1');
  // A new revision is a new event.
  const newer = sampleEvent({
    metadata: { 'kustomize.toolkit.fluxcd.io/revision': 'main@sha1:ffffffffffffffffffffffffffffffffffffffff' },
  });
  assert.equal((await h.post(JSON.stringify(newer))).status, 202);
  h.clock.advance(5 * 60_000);
  assert.equal((await h.post(ev)).status, 202);
  assert.equal(h.dispatched.length, 3);
  assert.deepEqual(h.outcomes, ['accepted', 'duplicate', 'accepted', 'accepted']);
});

test('invalid events are 400 naming the field; nothing is dispatched', async () => {
  const h = harness();
  for (const [body, field] of [
    [sampleEvent({ involvedObject: { kind: 'Kustomization', name: null } }), 'involvedObject.name'],
    [sampleEvent({ severity: null }), 'severity'],
    [sampleEvent({ metadata: { x: null } }), 'metadata["x"]'],
    [null, '(body)'],
  ] as const) {
    const res = await h.post(JSON.stringify(body));
    assert.equal(res.status, 400);
    assert.ok((await res.text()).includes(field), field);
  }
  assert.equal(h.dispatched.length, 0);
});

test('malformed JSON is 400, oversized bodies 413 (claimed or streamed)', async () => {
  const h = harness({ maxBodyBytes: 1024 });
  const bad = await h.post('{"involvedObject":');
  assert.equal(bad.status, 400);
  assert.match(await bad.text(), /malformed JSON/);
  assert.equal((await h.post(new Uint8Array(2048))).status, 413);
  const claimed = await h.app.request('/', {
    method: 'POST',
    headers: { 'content-length': String(100 * 1024 * 1024) },
    body: new Blob([new Uint8Array(10)]).stream(),
    duplex: 'half',
  } as RequestInit);
  assert.equal(claimed.status, 413);
  assert.deepEqual(h.outcomes, ['malformed', 'too_large', 'too_large']);
});

test('a failing dispatch is logged, still answered 202, and nothing crashes', async () => {
  const h = harness({ failDispatch: true });
  assert.equal((await h.post(JSON.stringify(sampleEvent()))).status, 202);
  assert.deepEqual(h.outcomes, ['dispatch_failed']);
});

test('served over HTTP with the hardened server, a controller-style POST is accepted', async () => {
  const h = harness();
  const srv = await startEventIntakeServer({ app: h.app, addr: '127.0.0.1:0' });
  try {
    assert.equal(srv.server.headersTimeout, 10_000);
    const res = await fetch(`${srv.url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(sampleEvent()),
    });
    assert.equal(res.status, 202);
    assert.equal(h.dispatched.length, 1);
  } finally {
    await srv.close();
  }
});
