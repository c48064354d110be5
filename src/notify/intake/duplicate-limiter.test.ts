import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import type { FluxEvent } from '../event.ts';
import { FakeClock } from '../../runtime/fake-clock.ts';
import { DuplicateLimiter, eventKey } from './duplicate-limiter.ts';

const base: FluxEvent = {
  involvedObject: {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    name: 'webapp',
    namespace: 'apps',
    uid: 'u',
  },
  severity: 'info',
  timestamp: '2026-03-01T12:00:00Z',
  message: 'applied',
  reason: 'ReconciliationSucceeded',
  metadata: {
    'kustomize.toolkit.fluxcd.io/revision': 'main@sha1:abc',
    'kustomize.toolkit.fluxcd.io/token': 't1',
    other: 'ignored',
  },
  reportingController: 'kustomize-controller',
  reportingInstance: 'pod',
};

test('eventKey is sha256 of Flux eventKeyFunc components', () => {
  const expected = createHash('sha256')
    .update('event/name=webapp/namespace=apps/kind=Kustomization/message=applied/revision=main@sha1:abc/token=t1')
    .digest('hex');
  assert.equal(eventKey(base), expected);
});

test('eventKey ignores severity, reason, timestamp and other metadata; revision and message change it', () => {
  const same = {
    ...base,
    severity: 'error' as const,
    reason: 'Other',
    timestamp: '2027-01-01T00:00:00Z',
    metadata: { ...base.metadata, other: 'changed' },
  };
  assert.equal(eventKey(same), eventKey(base));
  assert.notEqual(eventKey({ ...base, message: 'applied again' }), eventKey(base));
  assert.notEqual(
    eventKey({ ...base, metadata: { ...base.metadata, 'kustomize.toolkit.fluxcd.io/revision': 'main@sha1:def' } }),
    eventKey(base),
  );
  // Metadata under another group is not the object's revision.
  assert.equal(
    eventKey({
      ...base,
      metadata: {
        'source.toolkit.fluxcd.io/revision': 'x',
        'kustomize.toolkit.fluxcd.io/revision': 'main@sha1:abc',
        'kustomize.toolkit.fluxcd.io/token': 't1',
      },
    }),
    eventKey(base),
  );
});

test('one event per key per interval, windows aligned on the first sighting', () => {
  const clock = new FakeClock();
  const limiter = new DuplicateLimiter({ clock, intervalMs: 1000 });
  assert.deepEqual(limiter.take('k'), { allowed: true, resetAt: 1000 });
  assert.deepEqual(limiter.take('other'), { allowed: true, resetAt: 1000 });
  clock.advance(999);
  assert.deepEqual(limiter.take('k'), { allowed: false, resetAt: 1000 });
  clock.advance(501);
  assert.deepEqual(limiter.take('k'), { allowed: true, resetAt: 2000 });
  assert.equal(limiter.take('k').allowed, false);
});

test('the key table is bounded', () => {
  const clock = new FakeClock();
  const limiter = new DuplicateLimiter({ clock, intervalMs: 1000, maxKeys: 2 });
  limiter.take('a');
  limiter.take('b');
  limiter.take('c');
  // 'a' was evicted, so it is treated as new.
  assert.equal(limiter.take('a').allowed, true);
  assert.equal(limiter.take('c').allowed, false);
});
