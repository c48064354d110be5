import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeApiError } from './errors.ts';
import { ApiTransport } from './request.ts';
import { sendJson, startFakeApiServer, type FakeApiServer } from './test-support.ts';

const tooMany = {
  kind: 'Status',
  status: 'Failure',
  reason: 'TooManyRequests',
  message: 'too many requests',
  code: 429,
};

/** A sleep that only records what it was asked to wait. */
function recordingSleep(): { waits: number[]; sleep: (ms: number) => Promise<void> } {
  const waits: number[] = [];
  return { waits, sleep: (ms) => (waits.push(ms), Promise.resolve()) };
}

async function serve(
  t: { after: (fn: () => Promise<void>) => void },
  handler: Parameters<typeof startFakeApiServer>[0]['handler'],
  tls = false,
): Promise<FakeApiServer> {
  const server = await startFakeApiServer({ tls, handler });
  t.after(() => server.close());
  return server;
}

void test('a 429 with Retry-After is retried after the time the server asked for', async (t) => {
  const server = await serve(t, (req, res) =>
    server.requests.length === 1
      ? sendJson(res, 429, tooMany, { 'Retry-After': '1' })
      : sendJson(res, 200, { kind: 'ConfigMap', body: req.body }),
  );
  const { waits, sleep } = recordingSleep();
  const transport = new ApiTransport({ kubeConfig: server.kubeConfig, sleep });
  const got = await transport.send<{ body: string }>({ method: 'POST', path: '/api/v1/x', body: { a: 1 } });
  assert.equal(server.requests.length, 2);
  assert.equal(got.body, '{"a":1}', 'the body is sent again on the retry');
  assert.equal(waits.length, 1);
  assert.ok(waits[0]! >= 1000, `waited ${waits[0]} ms for Retry-After: 1`);
});

void test('after 10 retries the last answer is thrown, with retryAfterMs', async (t) => {
  const server = await serve(t, (_req, res) => sendJson(res, 429, tooMany, { 'Retry-After': '2' }));
  const { waits, sleep } = recordingSleep();
  const transport = new ApiTransport({ kubeConfig: server.kubeConfig, sleep });
  await assert.rejects(
    transport.send({ method: 'GET', path: '/api/v1/x' }),
    (err: unknown) =>
      err instanceof KubeApiError && err.status === 429 && err.retryAfterMs === 2000 && /too many/.test(err.message),
  );
  assert.equal(server.requests.length, 11, 'one attempt and 10 retries, as client-go');
  assert.deepEqual(waits, Array<number>(10).fill(2000));
});

void test('5xx is retried only when the server says when (Retry-After), as client-go', async (t) => {
  let withHeader = false;
  const server = await serve(t, (_req, res) =>
    sendJson(
      res,
      503,
      { kind: 'Status', reason: 'ServiceUnavailable', message: 'busy', code: 503 },
      withHeader && server.requests.length < 3 ? { 'Retry-After': '1' } : {},
    ),
  );
  const { sleep } = recordingSleep();
  const transport = new ApiTransport({ kubeConfig: server.kubeConfig, sleep });
  await assert.rejects(
    transport.send({ method: 'GET', path: '/x' }),
    (e: unknown) => (e as KubeApiError).status === 503,
  );
  assert.equal(server.requests.length, 1);
  withHeader = true;
  await assert.rejects(
    transport.send({ method: 'GET', path: '/x' }),
    (e: unknown) => (e as KubeApiError).status === 503,
  );
  assert.equal(server.requests.length, 3, 'retried once, then the answer without Retry-After is final');
});

void test('one Retry-After wait is bounded', async (t) => {
  const server = await serve(t, (_req, res) =>
    server.requests.length === 1 ? sendJson(res, 429, tooMany, { 'Retry-After': '86400' }) : sendJson(res, 200, {}),
  );
  const { waits, sleep } = recordingSleep();
  const transport = new ApiTransport({ kubeConfig: server.kubeConfig, sleep, maxRetryAfterMs: 5000 });
  await transport.send({ method: 'GET', path: '/x' });
  assert.deepEqual(waits, [5000]);
});

void test('an abort ends the Retry-After wait at once', { timeout: 10_000 }, async (t) => {
  const abort = new AbortController();
  const server = await serve(t, (_req, res) => {
    sendJson(res, 429, tooMany, { 'Retry-After': '60' });
    res.on('finish', () => setImmediate(() => abort.abort()));
  });
  const transport = new ApiTransport({ kubeConfig: server.kubeConfig });
  await assert.rejects(transport.send({ method: 'GET', path: '/x', signal: abort.signal }));
  assert.equal(server.requests.length, 1);
});

void test('requests share one pooled TLS connection instead of one handshake each', async (t) => {
  const server = await serve(t, (_req, res) => sendJson(res, 200, { gitVersion: 'v1.0.0' }), true);
  const transport = new ApiTransport({ kubeConfig: server.kubeConfig });
  for (let i = 0; i < 50; i++) await transport.send({ method: 'GET', path: '/version' });
  assert.equal(server.connections(), 1, '50 sequential GETs over one connection');
  await Promise.all(Array.from({ length: 10 }, () => transport.send({ method: 'GET', path: '/version' })));
  assert.ok(server.connections() <= 10, `10 concurrent GETs opened ${server.connections()} connections in all`);
  assert.ok(server.requests.every((r) => r.headers.authorization === 'Bearer test-token'));
});

void test('a token read from a file (in-cluster style) is sent on every request over the pooled agent', async (t) => {
  const server = await serve(t, (_req, res) => sendJson(res, 200, {}), true);
  const dir = await mkdtemp(path.join(tmpdir(), 'driftless-kube-'));
  const tokenFile = path.join(dir, 'token');
  await writeFile(tokenFile, 'file-token');
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: server.kubeConfig.clusters,
    users: [{ name: 'sa', authProvider: { name: 'tokenFile', config: { tokenFile } } }],
    contexts: [{ name: 'c', cluster: 'fake', user: 'sa' }],
    currentContext: 'c',
  });
  const transport = new ApiTransport({ kubeConfig });
  for (let i = 0; i < 5; i++) await transport.send({ method: 'GET', path: '/version' });
  assert.equal(server.connections(), 1);
  assert.ok(server.requests.every((r) => r.headers.authorization === 'Bearer file-token'));
});

void test('impersonation headers of a request win over none and keep the credentials', async (t) => {
  const server = await serve(t, (_req, res) => sendJson(res, 200, {}));
  const transport = new ApiTransport({ kubeConfig: server.kubeConfig });
  await transport.send({ method: 'GET', path: '/x', headers: { 'Impersonate-User': 'system:serviceaccount:a:b' } });
  assert.equal(server.requests[0]!.headers['impersonate-user'], 'system:serviceaccount:a:b');
  assert.equal(server.requests[0]!.headers.authorization, 'Bearer test-token');
});

const apfHeaders = {
  'X-Kubernetes-PF-FlowSchema-UID': '3a1a7e5c-0000-0000-0000-000000000001',
  'X-Kubernetes-PF-PriorityLevel-UID': '3a1a7e5c-0000-0000-0000-000000000002',
};

void test(
  'with API Priority and Fairness on the server, the client does not throttle',
  { timeout: 10_000 },
  async (t) => {
    const server = await serve(t, (_req, res) => sendJson(res, 200, {}, apfHeaders));
    const { waits, sleep } = recordingSleep();
    // A limit so low that any client-side wait would be seen (and, without the fake sleep, hang the test).
    const transport = new ApiTransport({ kubeConfig: server.kubeConfig, qps: 0.001, burst: 1, sleep });
    for (let i = 0; i < 5; i++) await transport.send({ method: 'GET', path: '/version' });
    assert.equal(transport.pacing, 'server');
    assert.deepEqual(waits, []);
  },
);

void test('without API Priority and Fairness, --kube-api-qps/--kube-api-burst apply', async (t) => {
  const server = await serve(t, (_req, res) => sendJson(res, 200, {}));
  let now = 1_000_000;
  const waits: number[] = [];
  const sleep = (ms: number): Promise<void> => {
    waits.push(ms);
    now += ms;
    return Promise.resolve();
  };
  const transport = new ApiTransport({ kubeConfig: server.kubeConfig, qps: 2, burst: 2, sleep, now: () => now });
  for (let i = 0; i < 5; i++) await transport.send({ method: 'GET', path: '/version' });
  assert.equal(transport.pacing, 'client');
  assert.deepEqual(waits, [500, 500, 500], 'a burst of 2, then one request per 1/qps');
});
