// Notification transport through a forward proxy on 127.0.0.1 (no certificates needed; the TLS cases
// are in transport.int.test.ts because their certificates are made by openssl).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { makeEvent } from '../alerts/test-events.ts';
import { NotificationError } from './errors.ts';
import { createNotifier } from './registry.ts';
import { basicAuth, listen, startTestProxy } from './test-proxy.ts';
import { nodeFetch } from '../../util/http-transport.ts';

void test('http targets go through the proxy as absolute URIs with Proxy-Authorization', async (t) => {
  const hits: string[] = [];
  const target = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    req.resume();
    req.on('end', () => res.end('{}'));
  });
  const port = await listen(t, target);
  const p = await startTestProxy(t);
  await createNotifier({ type: 'generic', address: `http://127.0.0.1:${port}/via-proxy`, proxy: p.url }).post(
    makeEvent(),
  );
  assert.deepEqual(p.log, [
    { method: 'POST', target: `http://127.0.0.1:${port}/via-proxy`, auth: basicAuth('alice', 's3cret!') },
  ]);
  assert.deepEqual(hits, ['/via-proxy']);
});

void test('proxy credentials never appear in errors, and https proxies are refused clearly', async (t) => {
  const p = await startTestProxy(t);
  const err = await createNotifier({
    type: 'generic',
    address: 'http://127.0.0.1:9/unreachable',
    proxy: p.url.replace(/:\d+$/, ':9'),
    retry: { attempts: 1 },
  })
    .post(makeEvent())
    .then(
      () => assert.fail('expected failure'),
      (e: unknown) => e,
    );
  assert.ok(err instanceof NotificationError);
  assert.equal(err.message.includes('s3cret'), false, err.message);
  assert.throws(() => nodeFetch({ proxy: 'https://proxy.example:443' }), /use an http:\/\/ proxy URL/);
});
