import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { FakeClock } from '../../../runtime/fake-clock.ts';
import { createGoogleJwksSource } from './google-jwks.ts';

test('fetches the key set over HTTP, shares concurrent loads, caches for the TTL, and reports bad answers', async () => {
  let hits = 0;
  let answer = JSON.stringify({ keys: [{ kty: 'RSA', kid: 'k1', n: 'AQAB', e: 'AQAB' }] });
  const server = createServer((_req, res) => {
    hits++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(answer);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const clock = new FakeClock();
    const source = createGoogleJwksSource({
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/certs`,
      clock,
      ttlMs: 1000,
    });
    const [a, b] = await Promise.all([source(), source()]);
    assert.equal(a.keys[0]?.kid, 'k1');
    assert.equal(a, b);
    assert.equal(hits, 1);
    clock.advance(999);
    await source();
    assert.equal(hits, 1);
    clock.advance(1);
    answer = JSON.stringify({ nope: true });
    await assert.rejects(source(), /no "keys" array/);
    assert.equal(hits, 2);
  } finally {
    await new Promise((r) => server.close(r));
  }
});
