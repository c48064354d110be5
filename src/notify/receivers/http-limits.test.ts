import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readBodyWithLimit } from './http-limits.ts';

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
