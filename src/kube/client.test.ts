import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KubeClient } from './client.ts';
import { KubeApiError } from './errors.ts';
import { coreDiscovery, sendJson, startFakeApiServer } from './test-support.ts';
import type { WatchEvent } from './types.ts';

const event = (type: string, name: string, data: Record<string, string>): Buffer =>
  Buffer.from(
    JSON.stringify({ type, object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data } }) + '\n',
  );

void test('watch: a UTF-8 character split across two network chunks arrives intact', async (t) => {
  const second = event('MODIFIED', 'b', { greeting: 'héllo' });
  // Cut inside the two bytes of "é", so the first chunk ends in the middle of a character.
  const cut = second.indexOf(Buffer.from('é')) + 1;
  let sendRest: (() => void) | undefined;
  const server = await startFakeApiServer({
    handler: (req, res) => {
      if (req.path === '/api/v1') return sendJson(res, 200, coreDiscovery);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write(Buffer.concat([event('ADDED', 'a', { greeting: 'hi' }), second.subarray(0, cut)]));
      sendRest = () => res.end(second.subarray(cut));
    },
  });
  t.after(() => server.close());
  const client = new KubeClient({ kubeConfig: server.kubeConfig });
  const abort = new AbortController();
  const seen: WatchEvent[] = [];
  await client.watch('v1', 'ConfigMap', {
    namespace: 'default',
    resourceVersion: '1',
    signal: abort.signal,
    onEvent: (e) => {
      seen.push(e);
      // The rest is sent only once the first event was decoded: the cut is certain to fall between reads.
      if (seen.length === 1) sendRest?.();
    },
  });
  assert.deepEqual(
    seen.map((e) => [e.type, e.object.metadata.name, (e.object['data'] as Record<string, string>)['greeting']]),
    [
      ['ADDED', 'a', 'hi'],
      ['MODIFIED', 'b', 'héllo'],
    ],
  );
});

void test('watch: an ERROR event is thrown as KubeApiError with its code (410 → relist)', async (t) => {
  const server = await startFakeApiServer({
    handler: (req, res) => {
      if (req.path === '/api/v1') return sendJson(res, 200, coreDiscovery);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(
        JSON.stringify({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old' } }),
      );
    },
  });
  t.after(() => server.close());
  const client = new KubeClient({ kubeConfig: server.kubeConfig });
  await assert.rejects(
    client.watch('v1', 'ConfigMap', { resourceVersion: '1', signal: new AbortController().signal, onEvent: () => {} }),
    (err: unknown) => err instanceof KubeApiError && err.status === 410 && err.reason === 'Expired',
  );
});

void test('list: an empty last page (items: null, as the API server sends it) ends the list', async (t) => {
  const server = await startFakeApiServer({
    handler: (req, res) => {
      if (req.path === '/api/v1') return sendJson(res, 200, coreDiscovery);
      const page = new URL(req.path, 'http://x').searchParams.get('continue');
      if (!page)
        return sendJson(res, 200, {
          kind: 'PartialObjectMetadataList',
          metadata: { resourceVersion: '7', continue: 'next' },
          items: [{ metadata: { name: 'a', namespace: 'default', resourceVersion: '5' } }],
        });
      return sendJson(res, 200, { kind: 'PartialObjectMetadataList', metadata: { resourceVersion: '7' }, items: null });
    },
  });
  t.after(() => server.close());
  const client = new KubeClient({ kubeConfig: server.kubeConfig });
  const list = await client.list('v1', 'ConfigMap', { namespace: 'default', metadataOnly: true, labelSelector: 'x' });
  assert.deepEqual(
    list.items.map((i) => i.metadata.name),
    ['a'],
  );
  assert.equal(list.resourceVersion, '7');
});
