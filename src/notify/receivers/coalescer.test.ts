import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '../../runtime/fake-clock.ts';
import { Coalescer } from './coalescer.ts';

const flush = () => new Promise<void>((r) => setImmediate(r));

test('calls within the window share one run of the latest function', async () => {
  const clock = new FakeClock();
  const c = new Coalescer<string>({ windowMs: 2000, clock });
  const runs: string[] = [];
  const results = Array.from({ length: 10 }, (_, i) =>
    c.run('ns/r', async () => {
      runs.push(`call-${i}`);
      return `result-${i}`;
    }),
  );
  clock.advance(1999);
  await flush();
  assert.deepEqual(runs, [], 'nothing runs before the window closes');
  clock.advance(1);
  assert.deepEqual(await Promise.all(results), Array(10).fill('result-9'));
  assert.deepEqual(runs, ['call-9']);
  assert.equal(c.openWindows, 0);
});

test('keys are independent, and a call after the window opens a new one', async () => {
  const clock = new FakeClock();
  const c = new Coalescer<number>({ windowMs: 100, clock });
  let runs = 0;
  const fn = async () => ++runs;
  const a = c.run('a', fn);
  const b = c.run('b', fn);
  clock.advance(100);
  assert.deepEqual((await Promise.all([a, b])).sort(), [1, 2]);
  const again = c.run('a', fn);
  clock.advance(100);
  assert.equal(await again, 3);
});

test('every waiter sees the failure of the shared run', async () => {
  const clock = new FakeClock();
  const c = new Coalescer<number>({ windowMs: 10, clock });
  const p1 = c.run('k', () => Promise.reject(new Error('boom')));
  const p2 = c.run('k', () => {
    throw new Error('sync boom');
  });
  clock.advance(10);
  await assert.rejects(p1, /sync boom/);
  await assert.rejects(p2, /sync boom/);
});

test('windowMs 0 runs at once', async () => {
  const c = new Coalescer<number>({ windowMs: 0, clock: new FakeClock() });
  assert.equal(await c.run('k', async () => 7), 7);
});
