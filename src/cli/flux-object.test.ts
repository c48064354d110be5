import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  readyColumns,
  reconcileProgress,
  requestToken,
  type FluxResource,
  type ObjectCondition,
} from './flux-object.ts';

const obj = (opts: {
  generation?: number;
  observed?: number;
  handled?: string;
  conditions?: ObjectCondition[];
}): FluxResource => ({
  apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
  kind: 'Kustomization',
  metadata: { name: 'app', namespace: 'apps', generation: opts.generation ?? 2 },
  status: {
    observedGeneration: opts.observed ?? 2,
    ...(opts.handled ? { lastHandledReconcileAt: opts.handled } : {}),
    conditions: opts.conditions ?? [],
  },
});
const ready = (
  status: string,
  reason = 'ReconciliationSucceeded',
  message = 'Applied revision: main@sha1:abc',
): ObjectCondition => ({ type: 'Ready', status, reason, message });

void test('a reconcile wait goes on until the token is handled, the generation observed and Reconciling gone', () => {
  assert.equal(reconcileProgress(obj({ handled: 'old', conditions: [ready('True')] }), { token: 'new' }).done, false);
  assert.equal(
    reconcileProgress(obj({ handled: 'new', observed: 1, conditions: [ready('True')] }), { token: 'new' }).done,
    false,
  );
  const reconciling = obj({
    handled: 'new',
    conditions: [{ type: 'Reconciling', status: 'True', reason: 'Progressing' }, ready('Unknown', 'Progressing')],
  });
  assert.deepEqual(reconcileProgress(reconciling, { token: 'new' }), {
    done: false,
    waitingFor: 'Reconciling to finish',
  });
  assert.equal(reconcileProgress(obj({ handled: 'new' }), { token: 'new' }).done, false, 'no Ready condition yet');
});

void test('the wait ends with Ready True as success and Ready False or Stalled as failure with the reason', () => {
  assert.deepEqual(reconcileProgress(obj({ handled: 't', conditions: [ready('True')] }), { token: 't' }), {
    done: true,
    ready: true,
    reason: 'ReconciliationSucceeded',
    message: 'Applied revision: main@sha1:abc',
  });
  const failed = reconcileProgress(obj({ conditions: [ready('False', 'BuildFailed', 'kustomize build failed')] }));
  assert.deepEqual(failed, { done: true, ready: false, reason: 'BuildFailed', message: 'kustomize build failed' });
  const stalled = reconcileProgress(
    obj({
      conditions: [
        { type: 'Stalled', status: 'True', reason: 'InvalidSpec', message: 'bad' },
        ready('False', 'InvalidSpec', 'bad'),
      ],
    }),
  );
  assert.deepEqual(stalled, { done: true, ready: false, reason: 'InvalidSpec', message: 'bad' });
});

void test('READY and MESSAGE default to flux\'s "waiting to be reconciled"', () => {
  assert.deepEqual(readyColumns(obj({})), { ready: 'False', message: 'waiting to be reconciled' });
  assert.deepEqual(readyColumns(obj({ conditions: [ready('True')] })), {
    ready: 'True',
    message: 'Applied revision: main@sha1:abc',
  });
});

void test('request tokens are RFC 3339 UTC with nine fractional digits and differ within one millisecond', () => {
  const now = new Date('2026-03-04T05:06:07.891Z');
  assert.equal(requestToken(now, 123456n), '2026-03-04T05:06:07.891123456Z');
  assert.notEqual(requestToken(now, 1n), requestToken(now, 2n));
  assert.match(requestToken(new Date()), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
});
