import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeClient } from '../../kube/client.ts';
import type { KubeObject } from '../../kube/types.ts';
import type { Condition } from '../conditions.ts';
import type { RecordOptions } from '../events.ts';
import { createLogger } from '../logger.ts';
import { ReconcileFailure } from './failure.ts';
import { StepReconciler, type ReconcileContext, type ReconcilerDefinition } from './skeleton.ts';
import type { Step } from './steps.ts';

interface TestStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  note?: string;
  lastHandledReconcileAt?: string;
}
type TestObject = KubeObject & { spec: { suspend?: boolean }; status?: TestStatus };
type Ctx = ReconcileContext<TestObject, TestStatus>;

const logger = createLogger({ level: 'silent' });

/** A recording stand-in for the API client: status patches are the skeleton's only writes here. */
function harness(opts: {
  obj: TestObject;
  steps: Step<Ctx, { requeueAfterMs?: number }>[];
  overrides?: Partial<ReconcilerDefinition<TestObject, TestStatus, Ctx>>;
}) {
  const patches: unknown[] = [];
  const events: RecordOptions[] = [];
  const outcomes: (string | undefined)[] = [];
  const client = {
    patch: (_ref: unknown, body: { status: unknown }) => {
      patches.push(body.status);
      return Promise.resolve(opts.obj);
    },
  } as unknown as KubeClient;
  const reconciler = new StepReconciler<TestObject, TestStatus, Ctx>({
    kind: 'Test',
    client,
    logger,
    recorder: { record: (_o, e) => Promise.resolve(void events.push(e)) },
    outcomes: { reconciled: (_kind, reason) => void outcomes.push(reason) },
    read: () => opts.obj,
    skip: (o) => o.spec.suspend === true,
    context: (base) => base,
    steps: opts.steps,
    fallbackReason: 'Failed',
    retryAfterMs: () => 60_000,
    ready: () => ({
      reason: 'Succeeded',
      message: 'all good',
      requeueAfterMs: 600_000,
      events: [{ type: 'Normal', reason: 'Succeeded', message: 'all good' }],
    }),
    finishStatus: (ctx) => {
      ctx.status.lastHandledReconcileAt = ctx.obj.metadata.annotations?.['requested'];
    },
    ...opts.overrides,
  });
  return { reconciler, patches, events, outcomes };
}

const object = (status?: TestStatus): TestObject => ({
  apiVersion: 'test.driftless.dev/v1',
  kind: 'Test',
  metadata: { name: 'x', namespace: 'ns', generation: 3, annotations: { requested: 'now' } },
  spec: {},
  ...(status ? { status } : {}),
});
const req = { namespace: 'ns', name: 'x' };
const typesOf = (status: unknown): string[] =>
  ((status as TestStatus).conditions ?? []).map((c) => `${c.type}=${c.status}:${c.reason}`);

describe('StepReconciler', () => {
  it('on success writes Ready=True, observedGeneration and the bookkeeping once, then the events', async () => {
    const h = harness({ obj: object(), steps: [{ name: 'a', run: (ctx) => void (ctx.status.note = 'done') }] });
    const result = await h.reconciler.reconcile(req, new AbortController().signal);
    assert.deepEqual(result, { requeueAfterMs: 600_000 });
    assert.equal(h.patches.length, 1);
    const written = h.patches[0] as TestStatus;
    assert.deepEqual(typesOf(written), ['Ready=True:Succeeded']);
    assert.equal(written.observedGeneration, 3);
    assert.equal(written.note, 'done');
    assert.equal(written.lastHandledReconcileAt, 'now');
    assert.deepEqual(
      h.events.map((e) => e.reason),
      ['Succeeded'],
    );
    assert.deepEqual(h.outcomes, [undefined]);
  });

  it('writes nothing when the desired status equals the status as read', async () => {
    const first = harness({ obj: object(), steps: [] });
    await first.reconciler.reconcile(req, new AbortController().signal);
    const again = harness({ obj: object(first.patches[0] as TestStatus), steps: [] });
    await again.reconciler.reconcile(req, new AbortController().signal);
    assert.equal(again.patches.length, 0);
  });

  it('deletes a status field the steps removed', async () => {
    const h = harness({
      obj: object({ note: 'stale', observedGeneration: 3 }),
      steps: [{ name: 'a', run: (ctx) => void delete ctx.status.note }],
    });
    await h.reconciler.reconcile(req, new AbortController().signal);
    assert.equal((h.patches[0] as Record<string, unknown>)['note'], null);
  });

  it('on a retryable failure keeps observedGeneration, marks ProgressingWithRetry, records and retries', async () => {
    const h = harness({
      obj: object({ observedGeneration: 2 }),
      steps: [
        {
          name: 'apply',
          run: () => {
            throw new ReconcileFailure<TestStatus>('ReconciliationFailed', 'apply failed', {
              record: { note: 'partial' },
            });
          },
        },
      ],
    });
    const result = await h.reconciler.reconcile(req, new AbortController().signal);
    assert.deepEqual(result, { requeueAfterMs: 60_000 });
    const written = h.patches[0] as TestStatus;
    assert.deepEqual(typesOf(written), ['Reconciling=True:ProgressingWithRetry', 'Ready=False:ReconciliationFailed']);
    assert.equal(written.observedGeneration, undefined, 'observedGeneration must not move');
    assert.equal(written.note, 'partial');
    assert.deepEqual(
      h.events.map((e) => `${e.type}/${e.reason}/${e.message}`),
      ['Warning/ReconciliationFailed/apply failed'],
    );
    assert.deepEqual(h.outcomes, ['ReconciliationFailed']);
  });

  it('on a stalled failure sets Stalled, moves observedGeneration and does not retry', async () => {
    const h = harness({
      obj: object(),
      steps: [
        {
          name: 'spec',
          run: () => {
            throw new ReconcileFailure('InvalidSpec', 'spec.interval: bad', { stalled: true });
          },
        },
      ],
    });
    assert.deepEqual(await h.reconciler.reconcile(req, new AbortController().signal), {});
    const written = h.patches[0] as TestStatus;
    assert.deepEqual(typesOf(written), ['Stalled=True:InvalidSpec', 'Ready=False:InvalidSpec']);
    assert.equal(written.observedGeneration, 3);
  });

  it('hands a failure to the queue for backoff when the reconciler asks for it', async () => {
    const h = harness({
      obj: object(),
      steps: [{ name: 'fetch', run: () => Promise.reject(new Error('connection refused')) }],
      overrides: { retryAfterMs: () => 'backoff' },
    });
    await assert.rejects(h.reconciler.reconcile(req, new AbortController().signal), /connection refused/);
    assert.equal(h.patches.length, 1, 'the failure is still recorded');
  });

  it('a waiting failure is announced as Normal and not counted as a failure', async () => {
    const h = harness({
      obj: object(),
      steps: [
        {
          name: 'deps',
          run: () => {
            throw new ReconcileFailure('DependencyNotReady', 'dependency not ready', {
              waiting: true,
              event: 'info',
              eventMessage: 'retrying in 30s',
              requeueAfterMs: 30_000,
            });
          },
        },
      ],
    });
    assert.deepEqual(await h.reconciler.reconcile(req, new AbortController().signal), { requeueAfterMs: 30_000 });
    assert.deepEqual(
      h.events.map((e) => `${e.type}/${e.message}`),
      ['Normal/retrying in 30s'],
    );
    assert.deepEqual(h.outcomes, []);
  });

  it('writes nothing when shutdown aborts a step', async () => {
    const shutdown = new AbortController();
    const h = harness({
      obj: object(),
      steps: [
        {
          name: 'wait',
          run: (ctx) =>
            new Promise((_resolve, reject) => {
              ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error));
              shutdown.abort();
            }),
        },
      ],
    });
    assert.deepEqual(await h.reconciler.reconcile(req, shutdown.signal), {});
    assert.equal(h.patches.length, 0);
    assert.equal(h.events.length, 0);
  });

  it('cancel(key) aborts the running reconcile, records the steps so far and calls onCanceled', async () => {
    let canceled = false;
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    const h = harness({
      obj: object(),
      steps: [
        {
          name: 'wait',
          run: (ctx) =>
            new Promise((_resolve, reject) => {
              ctx.status.note = 'applied';
              ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error));
              started();
            }),
        },
      ],
      overrides: { onCanceled: () => Promise.resolve(void (canceled = true)) },
    });
    const done = h.reconciler.reconcile(req, new AbortController().signal);
    await running;
    h.reconciler.cancel('ns/x');
    assert.deepEqual(await done, {});
    assert.ok(canceled);
    assert.equal((h.patches[0] as TestStatus).note, 'applied');
  });

  it('released(key) (the object moved to another shard) stops the reconcile: no status, no event', async () => {
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    let canceled = false;
    const h = harness({
      obj: object(),
      steps: [
        {
          name: 'health',
          run: async (ctx) => {
            ctx.status.note = 'applied';
            await ctx.progress('Progressing', 'running health checks');
            await new Promise((_resolve, reject) => {
              ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error));
              started();
            });
          },
        },
      ],
      overrides: { onCanceled: () => Promise.resolve(void (canceled = true)) },
    });
    const done = h.reconciler.reconcile(req, new AbortController().signal);
    await running;
    assert.equal(h.patches.length, 1, 'the progress written before the hand-over');
    h.reconciler.released('ns/x');
    assert.deepEqual(await done, {});
    assert.equal(h.patches.length, 1, 'nothing written after the hand-over');
    assert.deepEqual(h.events, []);
    assert.deepEqual(h.outcomes, []);
    assert.equal(canceled, false);
  });

  it('a reconcile whose object is released between steps writes nothing either', async () => {
    const self: { reconciler?: { released(key: string): void } } = {};
    const h = harness({
      obj: object(),
      steps: [
        { name: 'apply', run: () => void self.reconciler?.released('ns/x') },
        { name: 'report', run: (ctx) => ctx.event({ type: 'Normal', reason: 'Progressing', message: 'changed' }) },
      ],
    });
    self.reconciler = h.reconciler;
    assert.deepEqual(await h.reconciler.reconcile(req, new AbortController().signal), {});
    assert.equal(h.patches.length, 0);
    assert.deepEqual(h.events, []);
  });

  it('skips a suspended object without writing', async () => {
    const obj = object();
    obj.spec.suspend = true;
    const h = harness({ obj, steps: [{ name: 'a', run: () => assert.fail('must not run') }] });
    assert.deepEqual(await h.reconciler.reconcile(req, new AbortController().signal), {});
    assert.equal(h.patches.length, 0);
  });

  it('progress() writes Reconciling=True at once', async () => {
    const h = harness({
      obj: object(),
      steps: [{ name: 'a', run: (ctx) => ctx.progress('Progressing', 'building') }],
    });
    await h.reconciler.reconcile(req, new AbortController().signal);
    assert.deepEqual(typesOf(h.patches[0]), ['Reconciling=True:Progressing', 'Ready=Unknown:Progressing']);
    assert.deepEqual(typesOf({ conditions: (h.patches[1] as TestStatus).conditions }), ['Ready=True:Succeeded']);
  });

  it('progress(…, { write: false }) only marks: one write at the end, and a failure still retries as Reconciling', async () => {
    const quiet = harness({
      obj: object(),
      steps: [{ name: 'a', run: (ctx) => ctx.progress('Progressing', 'building', { write: false }) }],
    });
    await quiet.reconciler.reconcile(req, new AbortController().signal);
    assert.equal(quiet.patches.length, 1);
    assert.deepEqual(typesOf(quiet.patches[0]), ['Ready=True:Succeeded']);

    const failing = harness({
      obj: object(),
      steps: [
        {
          name: 'a',
          run: async (ctx) => {
            await ctx.progress('Progressing', 'building', { write: false });
            throw new ReconcileFailure('BuildFailed', 'broken');
          },
        },
      ],
      overrides: { markRetrying: 'whenReconciling' },
    });
    await failing.reconciler.reconcile(req, new AbortController().signal);
    assert.equal(failing.patches.length, 1);
    assert.deepEqual(typesOf(failing.patches[0]), ['Reconciling=True:ProgressingWithRetry', 'Ready=False:BuildFailed']);
  });
});
