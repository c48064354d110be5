// What a Receiver reconcile writes: the webhook path from spec.secretRef's token, the requeue after
// spec.interval, and NotSupported for fields Driftless lacks. Stand-in client and recorder, no cluster.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReceiverObject, ReceiverStatus } from '../../api/notification.ts';
import type { KubeClient } from '../../kube/client.ts';
import type { EventRecorder, RecordOptions } from '../../runtime/events.ts';
import type { Informer } from '../../runtime/informer.ts';
import { createLogger } from '../../runtime/logger.ts';
import { RuntimeMetrics } from '../../runtime/metrics.ts';
import type { Result } from '../../runtime/result.ts';
import { receiverReconciler } from './reconciler.ts';

const token = Buffer.from('s3cret').toString('base64');

/** One reconcile of a Receiver with `spec`: the status it wrote, its events and the result. */
async function reconcileOnce(
  spec: Partial<ReceiverObject['spec']>,
): Promise<{ status: ReceiverStatus; events: RecordOptions[]; result: Result; secretReads: number }> {
  const obj: ReceiverObject = {
    apiVersion: 'notification.toolkit.fluxcd.io/v1',
    kind: 'Receiver',
    metadata: { name: 'hook', namespace: 'apps', generation: 2 },
    spec: { type: 'github', resources: [{ kind: 'GitRepository', name: 'app' }], ...spec },
  };
  const patches: ReceiverStatus[] = [];
  const events: RecordOptions[] = [];
  let secretReads = 0;
  const client = {
    get: (ref: { kind: string; name: string }) => {
      secretReads++;
      return Promise.resolve(ref.name === 'hook-token' ? { data: { token } } : undefined);
    },
    patch: (_ref: unknown, body: { status: ReceiverStatus }) => {
      patches.push(body.status);
      return Promise.resolve(obj);
    },
  } as unknown as KubeClient;
  const reconciler = receiverReconciler({
    client,
    recorder: { record: (_o: unknown, e: RecordOptions) => Promise.resolve(void events.push(e)) } as EventRecorder,
    logger: createLogger({ level: 'silent' }),
    metrics: new RuntimeMetrics({ processMetrics: false }),
    informer: { get: () => obj } as unknown as Informer,
  });
  const result = await reconciler.reconcile({ namespace: 'apps', name: 'hook' });
  assert.equal(patches.length, 1, 'one status patch');
  return { status: patches[0] as ReceiverStatus, events, result, secretReads };
}

const ready = (s: ReceiverStatus) => s.conditions?.find((c) => c.type === 'Ready');

void test("spec.secretRef's token gives the webhook path; the next reconcile comes after spec.interval", async () => {
  const { status, result } = await reconcileOnce({ secretRef: { name: 'hook-token' }, interval: '5m' });
  assert.match(status.webhookPath ?? '', /^\/hook\/[0-9a-f]{64}$/);
  assert.equal(ready(status)?.message, `Receiver initialized for path: ${status.webhookPath}`);
  assert.deepEqual(result, { requeueAfterMs: 300_000 });
  assert.deepEqual((await reconcileOnce({ secretRef: { name: 'hook-token' } })).result, { requeueAfterMs: 600_000 });
});

void test('a missing token Secret is TokenNotFound, retried after the interval', async () => {
  const { status, result } = await reconcileOnce({ secretRef: { name: 'absent' }, interval: '1m' });
  assert.equal(ready(status)?.reason, 'TokenNotFound');
  assert.deepEqual(result, { requeueAfterMs: 60_000 });
});

void test('cdevents is NotSupported: Stalled, named with the fix, not retried, no Secret read', async () => {
  const { status, events, result, secretReads } = await reconcileOnce({
    type: 'cdevents',
    secretRef: { name: 'hook-token' },
  });
  assert.equal(ready(status)?.status, 'False');
  assert.equal(ready(status)?.reason, 'NotSupported');
  assert.match(ready(status)?.message ?? '', /^spec\.type 'cdevents' is not supported by Driftless yet: use generic/);
  assert.equal(status.conditions?.find((c) => c.type === 'Stalled')?.status, 'True');
  assert.equal(status.observedGeneration, 2);
  assert.deepEqual(result, {});
  assert.equal(secretReads, 0);
  assert.deepEqual(
    events.map((e) => `${e.type}:${e.reason}`),
    ['Warning:NotSupported'],
  );
});

void test('an invalid resourceFilter stalls with InvalidCELExpression before the Secret is read', async () => {
  const { status, result, secretReads } = await reconcileOnce({
    type: 'github',
    secretRef: { name: 'hook-token' },
    resourceFilter: 'res.metadata.name ==',
  });
  assert.equal(ready(status)?.reason, 'InvalidCELExpression');
  assert.match(ready(status)?.message ?? '', /resourceFilter/);
  assert.equal(status.conditions?.find((c) => c.type === 'Stalled')?.status, 'True');
  assert.deepEqual(result, {});
  assert.equal(secretReads, 0);
});
