import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '../../runtime/fake-clock.ts';
import { Coalescer } from './coalescer.ts';

const flush = () => new Promise<void>((r) => setImmediate(r));

test('the first call runs at once; calls in the quiet period share one trailing run of the latest function', async () => {
  const clock = new FakeClock();
  const c = new Coalescer<string>({ windowMs: 2000, clock });
  const runs: string[] = [];
  const results = Array.from({ length: 10 }, (_, i) =>
    c.run('ns/r', async () => {
      runs.push(`call-${i}`);
      return `result-${i}`;
    }),
  );
  assert.equal(await results[0], 'result-0');
  await flush();
  assert.deepEqual(runs, ['call-0'], 'only the leading call ran before the quiet period ended');
  clock.advance(2000);
  assert.deepEqual(await Promise.all(results.slice(1)), Array(9).fill('result-9'));
  assert.deepEqual(runs, ['call-0', 'call-9']);
  clock.advance(2000);
  await flush();
  assert.equal(c.openWindows, 0);
});

test('keys are independent, and a call after a quiet period runs at once again', async () => {
  const clock = new FakeClock();
  const c = new Coalescer<number>({ windowMs: 100, clock });
  let runs = 0;
  const fn = async () => ++runs;
  assert.deepEqual((await Promise.all([c.run('a', fn), c.run('b', fn)])).sort(), [1, 2]);
  clock.advance(100);
  await flush();
  assert.equal(c.openWindows, 0);
  assert.equal(await c.run('a', fn), 3);
});

test('every waiter of a trailing run sees its failure', async () => {
  const clock = new FakeClock();
  const c = new Coalescer<number>({ windowMs: 10, clock });
  await c.run('k', async () => 1);
  const p1 = c.run('k', () => Promise.reject(new Error('boom')));
  const p2 = c.run('k', () => {
    throw new Error('sync boom');
  });
  clock.advance(10);
  await assert.rejects(p1, /sync boom/);
  await assert.rejects(p2, /sync boom/);
});

test('windowMs 0: calls while a run is in flight share one trailing run right after it, then the key is free', async () => {
  const c = new Coalescer<number>({ windowMs: 0, clock: new FakeClock() });
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const runs: number[] = [];
  const first = c.run('k', async () => {
    await gate;
    runs.push(1);
    return 1;
  });
  const joined = [2, 3].map((n) =>
    c.run('k', async () => {
      runs.push(n);
      return n;
    }),
  );
  await flush();
  assert.deepEqual(runs, [], 'nothing else runs while the first is in flight');
  release();
  assert.equal(await first, 1);
  assert.deepEqual(await Promise.all(joined), [3, 3], 'the latest call ran once for both');
  assert.deepEqual(runs, [1, 3]);
  await flush();
  assert.equal(c.openWindows, 0);
  assert.equal(await c.run('k', async () => 7), 7, 'an idle key runs at once');
});
