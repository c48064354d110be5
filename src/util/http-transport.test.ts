// nodeFetch's streaming mode (the OCI registry client's): bodies handed over as they arrive, binary
// request bodies, null-body statuses, redirects returned rather than followed. Loopback servers only;
// the proxy and TLS cases are in src/notify/providers/transport*.test.ts.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { nodeFetch } from './http-transport.ts';

async function serve(t: TestContext, handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

void test('stream: the body arrives in chunks, past the buffered cap, and the first chunk is readable before the last is sent', async (t) => {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const base = await serve(t, (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
    res.write(Buffer.alloc(2 * 1024 * 1024, 1));
    void gate.then(() => res.end(Buffer.from('end')));
  });
  const res = await nodeFetch({ stream: true, maxResponseBytes: 16 })(`${base}/blob`, {});
  assert.equal(res.status, 200);
  const reader = res.body!.getReader();
  const first = await reader.read();
  assert.ok(first.value && first.value.length > 0);
  release();
  let total = first.value.length;
  for (let r = await reader.read(); !r.done; r = await reader.read()) total += r.value.length;
  assert.equal(total, 2 * 1024 * 1024 + 3);
});

void test('binary request bodies are sent with their length; 204 has no body; a 307 is returned, not followed', async (t) => {
  const received: { method?: string; length?: string; bytes: number[] }[] = [];
  const base = await serve(t, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ method: req.method, length: req.headers['content-length'], bytes: [...Buffer.concat(chunks)] });
      if (req.url === '/moved') res.writeHead(307, { Location: '/elsewhere' }).end();
      else res.writeHead(204).end();
    });
  });
  const fetch = nodeFetch({ stream: true });
  const put = await fetch(`${base}/upload`, { method: 'PUT', body: new Uint8Array([0, 255, 7]) });
  assert.equal(put.status, 204);
  assert.equal(put.body, null);
  assert.deepEqual(received[0], { method: 'PUT', length: '3', bytes: [0, 255, 7] });
  const moved = await fetch(`${base}/moved`, {});
  assert.equal(moved.status, 307);
  assert.equal(moved.headers.get('location'), '/elsewhere');
  await moved.body?.cancel();
  assert.equal(received.length, 2);
});
