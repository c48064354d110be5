import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { eventRateLimitKey, RateLimiter } from './rate-limiter.ts';
import { makeEvent } from './test-events.ts';

const g = 'kustomize.toolkit.fluxcd.io';

void test('the key is sha256 of Flux eventKeyFunc components', () => {
  const event = makeEvent({
    message: 'm',
    metadata: { [`${g}/revision`]: 'r', [`${g}/token`]: 't', [`${g}/originRevision`]: 'o', other: 'ignored' },
  });
  const want = createHash('sha256')
    .update('event/name=webapp/namespace=apps/kind=Kustomization/message=m/originRevision=o/revision=r/token=t')
    .digest('hex');
  assert.equal(eventRateLimitKey(event), want);
  const bare = makeEvent({ message: 'm', metadata: {} });
  const wantBare = createHash('sha256').update('event/name=webapp/namespace=apps/kind=Kustomization/message=m');
  assert.equal(eventRateLimitKey(bare), wantBare.digest('hex'));
});

void test('a duplicate within the interval is rejected; the window does not slide', () => {
  let now = 1_000;
  const limiter = new RateLimiter({ intervalMs: 100, clock: { now: () => now } });
  const event = makeEvent();
  assert.equal(limiter.allow(event), true);
  now += 50;
  assert.equal(limiter.allow(event), false);
  now += 49;
  assert.equal(limiter.allow(event), false, 'still inside the first window (99 ms)');
  now += 1;
  assert.equal(limiter.allow(event), true, 'window opened at t=1000 ends at t=1100');
});

void test('different message, revision or token make different keys', () => {
  const now = 0;
  const limiter = new RateLimiter({ clock: { now: () => now } });
  assert.equal(limiter.allow(makeEvent()), true);
  assert.equal(limiter.allow(makeEvent({ message: 'other' })), true);
  assert.equal(limiter.allow(makeEvent({ metadata: { [`${g}/revision`]: 'main@sha1:new' } })), true);
  assert.equal(limiter.allow(makeEvent({ metadata: { [`${g}/token`]: 'x' } })), true);
  assert.equal(limiter.allow(makeEvent({ severity: 'error' })), false, 'severity is not part of Flux key');
});

void test('memory stays bounded: expired keys are dropped and maxKeys evicts the oldest', () => {
  let now = 0;
  const limiter = new RateLimiter({ intervalMs: 10, maxKeys: 3, clock: { now: () => now } });
  for (const k of ['a', 'b', 'c', 'd']) assert.equal(limiter.allowKey(k), true);
  assert.equal(limiter.size, 3);
  assert.equal(limiter.allowKey('a'), true, 'a was evicted, so it passes again');
  now = 100;
  assert.equal(limiter.allowKey('z'), true);
  assert.equal(limiter.size, 1, 'expired windows are forgotten');
});
