import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import { once } from 'node:events';
import { Hono } from 'hono';
import { parseAddress, readBodyWithLimit, startHttpServer } from './http-server.ts';

/** An endless body that counts how much of it was pulled. */
function endless(chunkSize: number): { stream: ReadableStream<Uint8Array>; pulled(): number } {
  let pulled = 0;
  const chunk = new Uint8Array(chunkSize);
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
  return { stream, pulled: () => pulled };
}

test('an endless body is abandoned just past the cap', async () => {
  const body = endless(16 * 1024);
  const req = new Request('http://x/', { method: 'POST', body: body.stream, duplex: 'half' } as RequestInit);
  const res = await readBodyWithLimit(req, 1024 * 1024);
  assert.equal(res.ok, false);
  assert.equal(!res.ok && res.status, 413);
  assert.ok(body.pulled() <= 1024 * 1024 + 4 * 16 * 1024, `pulled ${body.pulled()} bytes`);
});

test('a Content-Length over the cap is refused without reading', async () => {
  const body = endless(1024);
  const req = new Request('http://x/', {
    method: 'POST',
    body: body.stream,
    duplex: 'half',
    headers: { 'content-length': String(100 * 1024 * 1024) },
  } as RequestInit);
  const res = await readBodyWithLimit(req, 1024);
  assert.equal(!res.ok && res.status, 413);
  // A ReadableStream pre-fills one chunk when constructed; nothing beyond that is read.
  assert.ok(body.pulled() <= 1024, `pulled ${body.pulled()} bytes`);
});

test('a body at the cap is returned whole; no body is empty', async () => {
  const data = Buffer.alloc(1024, 7);
  const res = await readBodyWithLimit(new Request('http://x/', { method: 'POST', body: data }), 1024);
  assert.ok(res.ok);
  assert.deepEqual(res.body, data);
  const empty = await readBodyWithLimit(new Request('http://x/', { method: 'POST' }), 1024);
  assert.ok(empty.ok && empty.body.length === 0);
});

test('parseAddress reads host:port, :port, port and bracketed IPv6', () => {
  assert.deepEqual(parseAddress('127.0.0.1:8080'), { host: '127.0.0.1', port: 8080 });
  assert.deepEqual(parseAddress(':9090'), { host: '0.0.0.0', port: 9090 });
  assert.deepEqual(parseAddress('0'), { host: '0.0.0.0', port: 0 });
  assert.deepEqual(parseAddress('[::1]:80'), { host: '::1', port: 80 });
  assert.throws(() => parseAddress('localhost:http'), /invalid address "localhost:http"/);
  assert.throws(() => parseAddress(':70000'), /invalid address/);
});

/** One raw HTTP/1.1 exchange, so that header sizes and half-sent requests are under the test's control. */
async function rawRequest(port: number, request: string): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  let answer = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (answer += chunk));
  socket.write(request);
  await once(socket, 'close');
  return answer;
}

test('startHttpServer serves the app and applies the limits it is given', async (t) => {
  const app = new Hono().get('/hi', (c) => c.text('hello'));
  const srv = await startHttpServer({ app, addr: '127.0.0.1:0', limits: { maxHeaderBytes: 1024 } });
  t.after(() => srv.close());
  assert.equal(srv.url, `http://127.0.0.1:${srv.port}`);
  assert.equal(await (await fetch(`${srv.url}/hi`)).text(), 'hello');
  const big = await rawRequest(srv.port, `GET /hi HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(4096)}\r\n\r\n`);
  assert.match(big, /^HTTP\/1\.1 431 /);
});

test('a second server on a taken port fails to start', async (t) => {
  const app = new Hono();
  const first = await startHttpServer({ app, addr: '127.0.0.1:0' });
  t.after(() => first.close());
  await assert.rejects(startHttpServer({ app, addr: `127.0.0.1:${first.port}` }), /EADDRINUSE/);
});

test('close ends a request in flight at once by default, and may be called twice', async () => {
  const app = new Hono().get('/hang', () => new Promise<Response>(() => undefined));
  const srv = await startHttpServer({ app, addr: '127.0.0.1:0' });
  const hanging = fetch(`${srv.url}/hang`).then(
    () => 'answered',
    () => 'cut',
  );
  await waitForConnections(srv.server, 1);
  await Promise.all([srv.close(), srv.close()]);
  assert.equal(await hanging, 'cut');
});

test('with drainMs, close lets a request in flight finish first', async () => {
  let release: () => void = () => undefined;
  const released = new Promise<void>((r) => (release = r));
  const app = new Hono().get('/slow', async (c) => {
    await released;
    return c.text('done');
  });
  const srv = await startHttpServer({ app, addr: '127.0.0.1:0', drainMs: 30_000 });
  const slow = fetch(`${srv.url}/slow`).then((r) => r.text());
  await waitForConnections(srv.server, 1);
  const closed = srv.close();
  release();
  assert.equal(await slow, 'done');
  await closed;
  assert.equal(srv.server.listening, false);
});

async function waitForConnections(server: Server, n: number): Promise<void> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const count = await new Promise<number>((resolve, reject) =>
      server.getConnections((err, c) => (err ? reject(err) : resolve(c))),
    );
    if (count >= n) return;
    if (Date.now() > deadline) throw new Error(`expected ${n} open connection(s), saw ${count}`);
    await new Promise((r) => setImmediate(r));
  }
}
