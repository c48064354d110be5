import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { makeEvent } from '../alerts/test-events.ts';
import { NotificationError, NotificationReasons, redact, secretsOf } from './errors.ts';
import { httpSender } from './http.ts';
import { createNotifier } from './registry.ts';
import { startRecordingServer } from './test-server.ts';
import type { ProviderConfig } from './types.ts';

async function failure(promise: Promise<unknown>): Promise<NotificationError> {
  const err: unknown = await promise.then(
    () => assert.fail('expected a rejection'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof NotificationError, String(err));
  return err;
}

void test('retries are bounded, back off exponentially and honour Retry-After', async (t) => {
  const server = await startRecordingServer(t);
  server.defaultReply = { status: 503, body: 'down' };
  server.replies.push({ status: 429, headers: { 'retry-after': '2' } });
  const sleeps: number[] = [];
  const cfg: ProviderConfig = {
    type: 'generic',
    address: `${server.url}/hook`,
    retry: { attempts: 4, baseDelayMs: 100, maxDelayMs: 1_500 },
    sleep: async (ms) => void sleeps.push(ms),
  };
  const err = await failure(createNotifier(cfg).post(makeEvent()));
  assert.equal(server.requests.length, 4);
  assert.deepEqual(sleeps, [1_500, 200, 400], 'Retry-After 2s capped at 1.5s, then 100·2^n');
  assert.equal(err.reason, NotificationReasons.DeliveryFailed);
  assert.equal(err.attempts, 4);
  assert.match(err.message, /HTTP 503 Service Unavailable: down \(after 4 tries\)/);
});

void test('connection errors are retried and reported as NetworkError', async () => {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  let retried = 0;
  const err = await failure(
    createNotifier({
      type: 'generic',
      address: `http://127.0.0.1:${port}/hook`,
      retry: { baseDelayMs: 1 },
      observer: { retried: () => void retried++ },
    }).post(makeEvent()),
  );
  assert.equal(err.reason, NotificationReasons.Network);
  assert.match(err.message, /ECONNREFUSED/);
  assert.equal(retried, 2);
});

void test('the caller can cancel a post', async (t) => {
  const server = await startRecordingServer(t);
  server.defaultReply = { hang: true };
  const controller = new AbortController();
  const post = createNotifier({ type: 'generic', address: server.url }).post(makeEvent(), {
    signal: controller.signal,
  });
  controller.abort();
  assert.equal((await failure(post)).reason, NotificationReasons.Aborted);
});

void test('2xx answers that report an error in the body fail (Slack ok=false, Lark code)', async (t) => {
  const server = await startRecordingServer(t);
  server.defaultReply = { status: 200, body: '{"ok":false,"error":"channel_not_found"}' };
  const slack = createNotifier({
    type: 'slack',
    address: `${server.url}/api/chat.postMessage`,
    token: 'xoxb-secret-token-123',
    channel: '#nope',
  });
  const err = await failure(slack.post(makeEvent()));
  assert.match(err.message, /channel_not_found/);
  assert.match(err.message, /\/api\/chat\.postMessage/, 'the Web API path is not secret');
  assert.equal(server.requests[0]?.headers.authorization, 'Bearer xoxb-secret-token-123');
  server.defaultReply = { status: 200, body: '{"code":19021,"msg":"sign match fail"}' };
  const lark = createNotifier({ type: 'lark', address: `${server.url}/open-apis/bot/v2/hook/x` });
  assert.match((await failure(lark.post(makeEvent()))).message, /code 19021: sign match fail/);
});

void test('unknown types and broken configurations fail at construction with a fix in the message', () => {
  assert.throws(
    () => createNotifier({ type: 'carrier-pigeon' as ProviderConfig['type'], address: 'x' }),
    (err: unknown) =>
      err instanceof NotificationError &&
      err.reason === NotificationReasons.UnsupportedType &&
      /supported types: generic, generic-hmac, slack/.test(err.message),
  );
  const missing: [ProviderConfig, RegExp][] = [
    [{ type: 'slack', address: 'hooks.slack.com/x' }, /absolute http\(s\) URL/],
    [{ type: 'slack', address: 'https://slack.com/api/chat.postMessage', token: 't' }, /spec\.channel/],
    [{ type: 'generic-hmac', address: 'https://h/x' }, /"token"/],
    [{ type: 'telegram', address: '', token: 't' }, /spec\.channel/],
    [{ type: 'pagerduty', address: '' }, /routing key/],
    [{ type: 'sentry', address: 'https://o1.ingest.sentry.io/1' }, /Sentry DSN/],
  ];
  for (const [cfg, pattern] of missing) {
    assert.throws(
      () => createNotifier(cfg),
      (err: unknown) => err instanceof NotificationError && pattern.test(err.message),
    );
  }
});

void test('secretsOf and redact hide tokens, header values, userinfo and webhook path segments', () => {
  const secrets = secretsOf({
    token: 'tok-123456',
    headers: { Authorization: 'Basic dXNlcjpwYXNz' },
    address: 'https://user:p%40ss@hooks.example.com/services/T0/B0/abcdefghijklmnopqrstuvwx?key=qqqqqqqqq',
    proxy: 'http://proxyuser:proxypass@proxy:3128',
  });
  const text =
    'tok-123456 Basic dXNlcjpwYXNz p@ss p%40ss abcdefghijklmnopqrstuvwx qqqqqqqqq proxypass services T0 hooks.example.com';
  assert.equal(redact(text, secrets), '*** *** *** *** *** *** *** services T0 hooks.example.com');
});

void test('an injected fetch (here the global one) is used instead of the node transport', async (t) => {
  const server = await startRecordingServer(t);
  let calls = 0;
  const sender = httpSender({
    type: 'generic',
    address: server.url,
    fetch: (url, init) => {
      calls++;
      return fetch(url, init);
    },
  });
  const answer = await sender.send(
    { method: 'POST', url: `${server.url}/x`, body: { a: 1 } },
    AbortSignal.timeout(5_000),
  );
  assert.equal(answer.status, 200);
  assert.equal(calls, 1);
  assert.equal(server.requests[0]?.body, '{"a":1}');
});
