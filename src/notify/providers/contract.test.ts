// The shared contract every registered provider runs: documented request shape for an info and an
// error event, no secret in errors, retry of a 500, and a hang ending in a timeout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FluxEvent } from '../event.ts';
import { makeEvent } from '../alerts/test-events.ts';
import { NotificationError, NotificationReasons } from './errors.ts';
import { providerFactories } from './registry.ts';
import { forgeCases } from './test-forge-cases.ts';
import { messageCases } from './test-provider-cases.ts';
import type { ProviderCase } from './test-provider-cases.ts';
import { startRecordingServer } from './test-server.ts';
import { webhookCases } from './test-webhook-cases.ts';
import { commentCases } from './test-comment-cases.ts';
import type { RecordingServer } from './test-server.ts';
import type { DeliveryObserver, FetchLike, Notifier, ProviderConfig } from './types.ts';

const infoEvent = makeEvent();
const errorEvent = makeEvent({
  severity: 'error',
  reason: 'HealthCheckFailed',
  message: 'health check failed after 30s: timeout waiting for: [Deployment/apps/webapp status: InProgress]',
});

interface Counts {
  sent: number;
  failed: string[];
  retried: number;
}

function build(c: ProviderCase, server: RecordingServer, extra: Partial<ProviderConfig> = {}): [Notifier, Counts] {
  const counts: Counts = { sent: 0, failed: [], retried: 0 };
  const observer: DeliveryObserver = {
    sent: () => void counts.sent++,
    failed: (_type, reason) => void counts.failed.push(reason),
    retried: () => void counts.retried++,
  };
  // SaaS hosts with fixed API origins are redirected to the local server; the path is kept.
  const fixed = c.fixedOrigin;
  const fetch: FetchLike | undefined = fixed
    ? (url, init) => globalThis.fetch(url.startsWith(fixed) ? server.url + url.slice(fixed.length) : url, init)
    : undefined;
  const cfg: ProviderConfig = {
    type: c.type,
    ...c.config(server.url),
    observer,
    retry: { baseDelayMs: 1 },
    ...(fetch ? { fetch } : {}),
    ...extra,
  };
  return [providerFactories[c.type](cfg), counts];
}

async function rejection(promise: Promise<unknown>): Promise<NotificationError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof NotificationError, `rejects with NotificationError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the post to fail');
}

const providerCases = [...messageCases, ...webhookCases, ...commentCases, ...forgeCases];

// Providers that do not speak HTTP have their own tests against their real peer.
const notHttp: Record<string, string> = { nats: 'src/notify/providers/nats.int.test.ts' };

void test('every registered provider type has a contract case', () => {
  const http = Object.keys(providerFactories).filter((t) => !Object.hasOwn(notHttp, t));
  assert.deepEqual(providerCases.map((c) => c.type).sort(), http.sort());
});

for (const c of providerCases) {
  const okReply = { status: c.ok?.status ?? 200, body: c.ok?.body ?? '{}' };
  const count = (e: FluxEvent): number => c.requests?.(e) ?? 1;
  const prepare = (e: FluxEvent): FluxEvent => c.prepare?.(e) ?? e;

  void test(`${c.type}: info and error events use the documented request shape`, async (t) => {
    const server = await startRecordingServer(t);
    server.defaultReply = okReply;
    if (c.route) server.route = c.route;
    for (const event of [infoEvent, errorEvent].map(prepare)) {
      server.reset();
      const [notifier, counts] = build(c, server);
      await notifier.post(event);
      assert.equal(server.requests.length, count(event), `${event.severity}: number of requests`);
      c.check(server.requests, event);
      assert.equal(counts.sent, count(event));
    }
  });

  void test(`${c.type}: errors never contain the token or secret address parts`, async (t) => {
    const server = await startRecordingServer(t);
    const cfg = c.config(server.url);
    const secrets = [cfg.token, cfg.password, ...Object.values(cfg.headers ?? {}), ...(c.secrets ?? [])].filter(
      (s): s is string => Boolean(s),
    );
    assert.ok(secrets.length > 0, 'every case has at least one secret to protect');
    // The service echoes the secrets back, as some APIs do in their error bodies.
    server.defaultReply = { status: 403, body: JSON.stringify({ message: `bad credentials ${secrets.join(' ')}` }) };
    const [notifier, counts] = build(c, server);
    const err = await rejection(notifier.post(prepare(errorEvent)));
    assert.equal(err.reason, NotificationReasons.DeliveryFailed);
    assert.equal(err.status, 403);
    assert.equal(err.providerType, c.type);
    assert.equal(server.requests.length, 1, '4xx is not retried');
    const shown = `${err.message}\n${err.stack ?? ''}\n${JSON.stringify(err)}`;
    for (const secret of secrets) assert.equal(shown.includes(secret), false, `error shows ${secret}: ${err.message}`);
    assert.match(err.message, /HTTP 403/);
    assert.deepEqual(counts.failed, [NotificationReasons.DeliveryFailed]);
  });

  void test(`${c.type}: a 500 is retried and the next 2xx succeeds`, async (t) => {
    const server = await startRecordingServer(t);
    server.defaultReply = okReply;
    if (c.route) server.route = c.route;
    server.replies.push({ status: 500, body: 'temporarily broken' });
    const [notifier, counts] = build(c, server);
    const event = prepare(errorEvent);
    await notifier.post(event);
    assert.equal(server.requests.length, 1 + count(event));
    assert.equal(server.requests[0]?.body, server.requests[1]?.body, 'the retry sends the same request');
    assert.equal(counts.retried, 1);
    c.check(server.requests.slice(1), event);
  });

  void test(`${c.type}: a server that never answers ends in a timeout`, async (t) => {
    const server = await startRecordingServer(t);
    server.defaultReply = { hang: true };
    const [notifier, counts] = build(c, server, { timeoutMs: 200 });
    const err = await rejection(notifier.post(prepare(errorEvent)));
    assert.equal(err.reason, NotificationReasons.Timeout);
    assert.match(err.message, /no answer within 200 ms/);
    assert.deepEqual(counts.failed, [NotificationReasons.Timeout]);
  });
}
