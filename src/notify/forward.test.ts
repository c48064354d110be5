import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeClient } from '../kube/client.ts';
import { EventRecorder } from '../runtime/events.ts';
import { createLogger } from '../runtime/logger.ts';
import { forwardEvents, isEventsUrl } from './forward.ts';

const obj = {
  apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
  kind: 'Kustomization',
  metadata: { name: 'app', namespace: 'apps', uid: 'u1' },
};

// The Kubernetes Event write fails (no API server): recording still hands the event to the sinks.
const recorder = () =>
  new EventRecorder({
    client: {
      apply: () => Promise.reject(new Error('no API server')),
      create: () => Promise.reject(new Error('no')),
    } as unknown as KubeClient,
    reportingController: 'kustomize-controller',
    reportingInstance: 'shard1',
    logger: createLogger({ level: 'silent' }),
  });

void test('URLs are where to send events; host:port is a bind address', () => {
  assert.equal(isEventsUrl('http://notification-controller.flux-system.svc.cluster.local./'), true);
  assert.equal(isEventsUrl('HTTPS://n/'), true);
  assert.equal(isEventsUrl(':9690'), false);
  assert.equal(isEventsUrl('127.0.0.1:0'), false);
});

void test('events are posted in Flux’s payload shape; failures are retried, then given up', async () => {
  const posted: { url: string; body: Record<string, unknown> }[] = [];
  let failFirst = 1;
  const rec = recorder();
  const drain = forwardEvents({
    recorder: rec,
    url: 'http://notify.test/',
    logger: createLogger({ level: 'silent' }),
    sleep: () => Promise.resolve(),
    fetch: (async (url: string, init: RequestInit) => {
      if (failFirst-- > 0) return new Response('down', { status: 503 });
      posted.push({ url, body: JSON.parse(String(init.body)) as Record<string, unknown> });
      return new Response(null, { status: 202 });
    }) as typeof fetch,
  });
  await rec.record(obj, {
    type: 'Warning',
    reason: 'BuildFailed',
    message: 'kustomize build failed',
    metadata: { revision: 'main@sha1:abc' },
  });
  await drain();
  assert.equal(posted.length, 1);
  assert.equal(posted[0]!.url, 'http://notify.test/');
  const body = posted[0]!.body;
  assert.equal(body['severity'], 'error');
  assert.equal(body['reason'], 'BuildFailed');
  assert.equal(body['reportingController'], 'kustomize-controller');
  assert.equal(body['reportingInstance'], 'shard1');
  assert.deepEqual(body['involvedObject'], { ...obj.metadata, apiVersion: obj.apiVersion, kind: obj.kind });
  assert.deepEqual(body['metadata'], { 'kustomize.toolkit.fluxcd.io/revision': 'main@sha1:abc' });

  let calls = 0;
  const rec2 = recorder();
  const drain2 = forwardEvents({
    recorder: rec2,
    url: 'http://notify.test/',
    logger: createLogger({ level: 'silent' }),
    sleep: () => Promise.resolve(),
    fetch: (async () => {
      calls++;
      return new Response('down', { status: 500 });
    }) as typeof fetch,
  });
  await rec2.record(obj, { type: 'Normal', reason: 'ReconciliationSucceeded', message: 'ok' });
  await drain2();
  assert.equal(calls, 4, 'four attempts, then the event is dropped with a warning');
});
