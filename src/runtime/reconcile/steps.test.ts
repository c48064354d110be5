import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReconcileFailure } from './failure.ts';
import { runSteps, type Step } from './steps.ts';

const signal = new AbortController().signal;

describe('runSteps', () => {
  it('runs every step in order and reports the last one', async () => {
    const seen: string[] = [];
    const steps: Step<string[], string>[] = ['a', 'b', 'c'].map((name) => ({
      name,
      run: (ctx) => void ctx.push(name),
    }));
    const outcome = await runSteps(steps, seen, { signal, fallbackReason: 'Failed' });
    assert.deepEqual(seen, ['a', 'b', 'c']);
    const { stepMs, ...rest } = outcome;
    assert.deepEqual(rest, { ok: true, lastStep: 'c' });
    assert.deepEqual(
      stepMs.map(([name]) => name),
      ['a', 'b', 'c'],
      'every step that ran is timed, in order',
    );
    assert.ok(stepMs.every(([, ms]) => Number.isInteger(ms) && ms >= 0));
  });

  it('stops at the first failure and keeps its reason and options', async () => {
    const seen: string[] = [];
    const steps: Step<string[], string>[] = [
      { name: 'a', run: (ctx) => void ctx.push('a') },
      {
        name: 'b',
        run: () => {
          throw new ReconcileFailure('BuildFailed', 'bad yaml', { stalled: true });
        },
      },
      { name: 'c', run: (ctx) => void ctx.push('c') },
    ];
    const outcome = await runSteps(steps, seen, { signal, fallbackReason: 'Failed' });
    assert.deepEqual(seen, ['a']);
    assert.equal(outcome.ok, false);
    if (outcome.ok) return;
    assert.equal(outcome.step, 'b');
    assert.deepEqual(
      outcome.stepMs.map(([name]) => name),
      ['a', 'b'],
      'the failed step is timed too',
    );
    assert.equal(outcome.failure.reason, 'BuildFailed');
    assert.equal(outcome.failure.stalled, true);
  });

  it('wraps other errors with their own reason, or the fallback', async () => {
    const typed = Object.assign(new Error('denied'), { reason: 'AuthenticationFailed' });
    const a = await runSteps([{ name: 'x', run: () => Promise.reject(typed) }], null, { signal, fallbackReason: 'F' });
    const b = await runSteps([{ name: 'x', run: () => Promise.reject(new Error('boom')) }], null, {
      signal,
      fallbackReason: 'F',
    });
    assert.ok(!a.ok && a.failure.reason === 'AuthenticationFailed' && a.failure.message === 'denied');
    assert.ok(!b.ok && b.failure.reason === 'F' && b.failure.cause instanceof Error);
  });

  it('finishes early with a done value', async () => {
    const outcome = await runSteps<null, number>(
      [
        { name: 'a', run: () => ({ done: 42 }) },
        { name: 'b', run: () => assert.fail('must not run') },
      ],
      null,
      { signal, fallbackReason: 'F' },
    );
    const { stepMs, ...rest } = outcome;
    assert.deepEqual(rest, { ok: true, done: 42, lastStep: 'a' });
    assert.equal(stepMs.length, 1);
  });

  it('does not start a step once the signal aborted', async () => {
    const abort = new AbortController();
    const outcome = await runSteps(
      [
        { name: 'a', run: () => abort.abort() },
        { name: 'b', run: () => assert.fail('must not run') },
      ],
      null,
      { signal: abort.signal, fallbackReason: 'F' },
    );
    assert.ok(!outcome.ok && outcome.step === 'b');
  });
});
