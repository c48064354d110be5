import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkQueue } from './work-queue.ts';
import { FakeClock } from './fake-clock.ts';

test('de-duplicates keys waiting in the queue', async () => {
  const q = new WorkQueue({ clock: new FakeClock() });
  q.add('a');
  q.add('a');
  q.add('b');
  assert.equal(q.length, 2);
  assert.equal(await q.get(), 'a');
  assert.equal(await q.get(), 'b');
});

test('a key added while processing is re-queued once after done', async () => {
  const q = new WorkQueue({ clock: new FakeClock() });
  q.add('a');
  const key = await q.get();
  q.add('a');
  q.add('a');
  assert.equal(q.length, 0, 'not handed to a second worker while held');
  q.done(key!);
  assert.equal(q.length, 1);
});

test('backoff doubles from 750ms and is capped at 15 minutes', () => {
  const q = new WorkQueue({ clock: new FakeClock() });
  assert.deepEqual(
    [0, 1, 2, 3].map((n) => q.backoffFor(n)),
    [750, 1500, 3000, 6000],
  );
  assert.equal(q.backoffFor(30), 15 * 60_000);
});

test('addRateLimited waits for the backoff and forget resets it', async () => {
  const clock = new FakeClock();
  const q = new WorkQueue({ clock });
  q.addRateLimited('a');
  q.addRateLimited('a');
  assert.equal(q.failuresOf('a'), 2);
  clock.advance(749);
  assert.equal(q.length, 0);
  clock.advance(1);
  assert.equal(q.length, 1, 'the earlier deadline (750ms) wins over the later one');
  q.forget('a');
  assert.equal(q.failuresOf('a'), 0);
  assert.equal(await q.get(), 'a');
});

test('add cancels a pending delayed add; shutDown releases waiters', async () => {
  const clock = new FakeClock();
  const q = new WorkQueue({ clock });
  q.addAfter('a', 1000);
  q.add('a');
  assert.equal(await q.get(), 'a');
  q.done('a');
  clock.advance(2000);
  assert.equal(q.length, 0, 'the delayed add was cancelled');
  const waiting = q.get();
  q.shutDown();
  assert.equal(await waiting, undefined);
});
