import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay, retry, type RetryOptions } from './retry.ts';

/** A sleep that records the delays and returns at once. */
function fakeSleep(): { sleeps: number[]; sleep: NonNullable<RetryOptions['sleep']> } {
  const sleeps: number[] = [];
  return { sleeps, sleep: async (ms) => void sleeps.push(ms) };
}

class Flaky extends Error {
  constructor(readonly retryAfter?: number) {
    super('flaky');
  }
}

void test('backoffDelay doubles from the base and stops at the cap', () => {
  const opts = { baseDelayMs: 100, maxDelayMs: 1_000 };
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, opts)),
    [100, 200, 400, 800, 1_000, 1_000],
  );
  assert.equal(backoffDelay(5_000, opts), 1_000, 'huge exponents stay at the cap');
  assert.equal(backoffDelay(5_000, { baseDelayMs: 0, maxDelayMs: 0 }), 0, 'a zero base is no wait, not NaN');
});

void test('jitter takes away at most its fraction of the delay', () => {
  const opts = { baseDelayMs: 1_000, maxDelayMs: 10_000, jitter: 0.5 };
  assert.equal(backoffDelay(1, { ...opts, random: () => 0 }), 1_000);
  assert.equal(backoffDelay(1, { ...opts, random: () => 0.5 }), 750);
  assert.equal(backoffDelay(2, { ...opts, random: () => 0.999 }), 2_000 * (1 - 0.5 * 0.999));
});

void test('retries until success, waiting the backoff between attempts', async () => {
  const { sleeps, sleep } = fakeSleep();
  const seen: number[] = [];
  const value = await retry(
    async (attempt) => {
      seen.push(attempt);
      if (attempt < 3) throw new Flaky();
      return 'ok';
    },
    { attempts: 5, baseDelayMs: 10, maxDelayMs: 1_000, sleep },
  );
  assert.equal(value, 'ok');
  assert.deepEqual(seen, [1, 2, 3]);
  assert.deepEqual(sleeps, [10, 20]);
});

void test('gives up after the bounded number of attempts with the last error as thrown', async () => {
  const { sleeps, sleep } = fakeSleep();
  let calls = 0;
  const last = new Flaky();
  await assert.rejects(
    retry(
      async () => {
        calls++;
        throw calls === 3 ? last : new Flaky();
      },
      { attempts: 3, baseDelayMs: 1, maxDelayMs: 10, sleep },
    ),
    (err) => err === last,
  );
  assert.equal(calls, 3);
  assert.equal(sleeps.length, 2, 'no wait after the last attempt');
});

void test('a failure that is not retryable is rethrown at once', async () => {
  const { sleeps, sleep } = fakeSleep();
  let calls = 0;
  await assert.rejects(
    retry(
      async () => {
        calls++;
        throw new TypeError('bad request');
      },
      { attempts: 5, baseDelayMs: 1, maxDelayMs: 10, sleep, retryable: (e) => e instanceof Flaky },
    ),
    TypeError,
  );
  assert.equal(calls, 1);
  assert.deepEqual(sleeps, []);
});

void test('a retry-after hint replaces the backoff step and is capped', async () => {
  const { sleeps, sleep } = fakeSleep();
  const retried: { attempt: number; delayMs: number }[] = [];
  const hints = [2_000, undefined, 30];
  await assert.rejects(
    retry(
      async (attempt) => {
        throw new Flaky(hints[attempt - 1]);
      },
      {
        attempts: 4,
        baseDelayMs: 100,
        maxDelayMs: 1_500,
        jitter: 1,
        random: () => 0,
        sleep,
        retryAfterMs: (e) => (e instanceof Flaky ? e.retryAfter : undefined),
        onRetry: ({ attempt, delayMs }) => retried.push({ attempt, delayMs }),
      },
    ),
    Flaky,
  );
  assert.deepEqual(sleeps, [1_500, 200, 30]);
  assert.deepEqual(
    retried.map((r) => r.attempt),
    [1, 2, 3],
  );
});

void test('an aborted signal stops before the next attempt with the signal reason', async () => {
  const controller = new AbortController();
  let calls = 0;
  const reason = new Error('shutting down');
  await assert.rejects(
    retry(
      async () => {
        calls++;
        controller.abort(reason);
        throw new Flaky();
      },
      { attempts: 5, baseDelayMs: 1, maxDelayMs: 10, signal: controller.signal, sleep: fakeSleep().sleep },
    ),
    (err) => err === reason,
  );
  assert.equal(calls, 1);
  const already = AbortSignal.abort(reason);
  await assert.rejects(
    retry(async () => 'never', { attempts: 1, baseDelayMs: 1, maxDelayMs: 1, signal: already }),
    (err) => err === reason,
  );
});

void test('an abort during the wait ends it at once, whether the sleep resolves or rejects', async () => {
  const reason = new Error('stop');
  for (const style of ['resolves', 'rejects'] as const) {
    const controller = new AbortController();
    let calls = 0;
    const sleep = (_ms: number, signal: AbortSignal | undefined): Promise<void> =>
      new Promise((resolve, reject) => {
        signal?.addEventListener('abort', () => (style === 'resolves' ? resolve() : reject(new Error('AbortError'))));
        controller.abort(reason);
      });
    await assert.rejects(
      retry(
        async () => {
          calls++;
          throw new Flaky();
        },
        { attempts: 5, baseDelayMs: 60_000, maxDelayMs: 60_000, signal: controller.signal, sleep },
      ),
      (err) => err === reason,
      style,
    );
    assert.equal(calls, 1, style);
  }
});

void test('the default sleep is abortable and leaves no timer behind', async () => {
  const controller = new AbortController();
  const started = Date.now();
  const running = retry(
    async () => {
      throw new Flaky();
    },
    { attempts: 2, baseDelayMs: 60_000, maxDelayMs: 60_000, signal: controller.signal },
  );
  setImmediate(() => controller.abort(new Error('bye')));
  await assert.rejects(running, /bye/);
  assert.ok(Date.now() - started < 5_000, 'the 60 s wait was cut short');
});
