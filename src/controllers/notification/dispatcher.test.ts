// The dispatcher resolves each matched Alert's spec.providerRef and honours the Provider's spec.suspend.
// Stand-in informers and recorder; the generic provider posts to an in-process loopback server.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AlertObject, ProviderObject } from '../../api/notification.ts';
import type { KubeClient } from '../../kube/client.ts';
import { makeAlert, makeEvent } from '../../notify/alerts/test-events.ts';
import type { EventRecorder, RecordOptions } from '../../runtime/events.ts';
import type { Informer } from '../../runtime/informer.ts';
import { createLogger } from '../../runtime/logger.ts';
import { RuntimeMetrics } from '../../runtime/metrics.ts';
import { NotificationDispatcher } from './dispatcher.ts';

let server: Server;
let address = '';
const received: string[] = [];
before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push(body);
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  address = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const provider = (name: string, suspend: boolean): ProviderObject => ({
  apiVersion: 'notification.toolkit.fluxcd.io/v1beta3',
  kind: 'Provider',
  metadata: { name, namespace: 'apps', uid: `uid-${name}` },
  spec: { type: 'generic', address, suspend },
});

/** Dispatches one event to an Alert whose spec.providerRef names `providerName`; returns what happened. */
async function dispatchTo(providerName: string): Promise<{ posts: number; warnings: RecordOptions[] }> {
  received.length = 0;
  const providers = new Map([
    ['apps/live', provider('live', false)],
    ['apps/paused', provider('paused', true)],
  ]);
  const alert = makeAlert({ providerRef: { name: providerName } }) as unknown as AlertObject;
  const warnings: RecordOptions[] = [];
  const dispatcher = new NotificationDispatcher({
    client: {} as KubeClient,
    alerts: { list: () => [alert] } as unknown as Informer,
    providers: { get: (key: string) => providers.get(key) } as unknown as Informer,
    recorder: { record: (_o: unknown, e: RecordOptions) => Promise.resolve(void warnings.push(e)) } as EventRecorder,
    logger: createLogger({ level: 'silent' }),
    metrics: new RuntimeMetrics({ processMetrics: false }),
    noCrossNamespaceRefs: false,
  });
  await dispatcher.dispatch(makeEvent());
  return { posts: received.length, warnings };
}

void test('the Provider named by spec.providerRef gets the event', async () => {
  assert.deepEqual(await dispatchTo('live'), { posts: 1, warnings: [] });
});

void test('a suspended Provider gets nothing, and that is not a failure', async () => {
  assert.deepEqual(await dispatchTo('paused'), { posts: 0, warnings: [] });
});

void test('a missing Provider is a NotificationDispatchFailed warning naming spec.providerRef', async () => {
  const { posts, warnings } = await dispatchTo('absent');
  assert.equal(posts, 0);
  assert.deepEqual(
    warnings.map((w) => [w.type, w.reason, w.message]),
    [
      [
        'Warning',
        'NotificationDispatchFailed',
        "failed to get provider 'apps/absent' referenced by spec.providerRef: not found",
      ],
    ],
  );
});
