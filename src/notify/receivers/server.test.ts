import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { describe, test } from 'node:test';
import { FakeClock } from '../../runtime/fake-clock.ts';
import { ReceiverFilterError } from './resource-filter.ts';
import { createReceiverApp, startReceiverServer, type ReceiverTarget } from './server.ts';
import type { ReceiverRequest, ReceiverType } from './types.ts';
import { createValidatorRegistry, validatorFactories } from './validators/registry.ts';
import {
  createTestGoogleKeys,
  invalidFixtures,
  TOKEN,
  validFixtures,
  type Fixture,
} from './validators/test-fixtures.ts';
import { webhookPath } from './webhook-path.ts';

const NOW = Date.parse('2026-03-01T12:00:00Z');
const google = createTestGoogleKeys();
const valid = validFixtures(google, NOW);
const invalid = invalidFixtures(google, NOW);

function target(type: string, extra: Partial<ReceiverTarget> = {}, name = `${type}-receiver`): ReceiverTarget {
  return {
    name,
    namespace: 'flux-system',
    spec: { type, resources: [{ kind: 'GitRepository', name: 'app' }] },
    token: TOKEN,
    secret: valid.gcr.secret!,
    suspended: false,
    ...extra,
  };
}

function pathOf(t: ReceiverTarget): string {
  return webhookPath(t.token, t.name, t.namespace);
}

/** A receiver app over an in-memory set of Receivers that records every lookup, trigger and observation. */
function harness(
  targets: ReceiverTarget[],
  opts: { coalesceWindowMs?: number; clock?: FakeClock; failTrigger?: boolean | Error } = {},
) {
  const clock = opts.clock ?? new FakeClock();
  if (clock.now() === 0) clock.advance(NOW);
  const byPath = new Map(targets.map((t) => [pathOf(t), t]));
  const seen = {
    lookups: [] as string[],
    triggers: [] as { target: string; req: ReceiverRequest }[],
    accepted: [] as string[],
    rejected: [] as string[],
    ignored: [] as string[],
  };
  const app = createReceiverApp({
    lookup: async (p) => {
      seen.lookups.push(p);
      return byPath.get(p);
    },
    trigger: async (t, req) => {
      seen.triggers.push({ target: `${t.namespace}/${t.name}`, req });
      if (opts.failTrigger instanceof Error) throw opts.failTrigger;
      if (opts.failTrigger) throw new Error('apiserver unavailable');
      return t.spec.resources.length;
    },
    observer: {
      accepted: (type) => seen.accepted.push(type),
      rejected: (type, reason) => seen.rejected.push(`${type}:${reason}`),
      ignored: (type, detail) => seen.ignored.push(`${type}:${detail}`),
    },
    coalesceWindowMs: opts.coalesceWindowMs ?? 0,
    clock,
    validators: createValidatorRegistry({ clock, gcrJwks: async () => google.jwks }),
  });
  return { app, seen, clock };
}

function post(app: ReturnType<typeof harness>['app'], path: string, f: Fixture) {
  return app.request(path, { method: 'POST', headers: f.headers, body: new Uint8Array(f.body) });
}

describe('every receiver type through the app', () => {
  for (const type of Object.keys(validatorFactories) as ReceiverType[]) {
    test(`${type}: a valid call triggers once; refused calls trigger nothing`, async () => {
      const t = target(type);
      const h = harness([t]);
      const ok = await post(h.app, pathOf(t), valid[type]);
      assert.equal(ok.status, 200, await ok.text());
      assert.equal(h.seen.triggers.length, 1);
      assert.equal(h.seen.triggers[0]!.target, `flux-system/${type}-receiver`);
      assert.deepEqual(h.seen.triggers[0]!.req.body, valid[type].body);
      for (const [why, f] of invalid[type] ?? []) {
        const res = await post(h.app, pathOf(t), f);
        assert.equal(res.status, 400, `${why}: ${await res.text()}`);
      }
      assert.equal(h.seen.triggers.length, 1, 'no trigger for refused calls');
      assert.equal(h.seen.rejected.filter((r) => r === `${type}:validation_failed`).length, invalid[type]?.length ?? 0);
    });
  }
});

test('malformed JSON and null fields are 400 with the field named, and trigger nothing', async () => {
  const t = target('dockerhub');
  const h = harness([t]);
  const malformed = await post(h.app, pathOf(t), { headers: {}, body: Buffer.from('{"push_data":') });
  assert.equal(malformed.status, 400);
  assert.match(await malformed.text(), /cannot decode Docker Hub payload/);
  const nulls = await post(h.app, pathOf(t), {
    headers: {},
    body: Buffer.from('{"push_data":{"tag":null},"repository":{"repo_name":"o/r"}}'),
  });
  assert.equal(nulls.status, 400);
  assert.match(await nulls.text(), /push_data\.tag must be a string \(got null\)/);
  assert.equal(h.seen.triggers.length, 0);
});

test('a filtered-out event is answered 200 without triggering', async () => {
  const t = target('github', { spec: { type: 'github', events: ['release'], resources: [] } });
  const h = harness([t]);
  const res = await post(h.app, pathOf(t), valid.github);
  assert.equal(res.status, 200);
  assert.match(await res.text(), /ignored: event "push" is not in spec.events/);
  assert.equal(h.seen.triggers.length, 0);
  assert.equal(h.seen.ignored.length, 1);
});

test('unknown paths are 404; malformed paths never reach lookup', async () => {
  const h = harness([target('generic')]);
  const unknown = await post(h.app, webhookPath('other', 'x', 'y'), valid.generic);
  assert.equal(unknown.status, 404);
  assert.equal(h.seen.lookups.length, 1);
  for (const p of ['/hook/abc', `/hook/${'a'.repeat(64)}/extra`, '/', '/hooks/x']) {
    assert.equal((await post(h.app, p, valid.generic)).status, 404, p);
  }
  assert.equal(h.seen.lookups.length, 1);
  assert.equal(h.seen.triggers.length, 0);
});

test('a suspended or not-ready receiver answers 503 and triggers nothing', async () => {
  const suspended = target('generic', { suspended: true }, 'a');
  const specSuspended = target('generic', { spec: { type: 'generic', resources: [], suspend: true } }, 'b');
  const notReady = target('generic', { ready: false }, 'c');
  const h = harness([suspended, specSuspended, notReady]);
  for (const t of [suspended, specSuspended, notReady])
    assert.equal((await post(h.app, pathOf(t), valid.generic)).status, 503);
  assert.deepEqual(h.seen.rejected, ['generic:suspended', 'generic:suspended', 'generic:not_ready']);
  assert.equal(h.seen.triggers.length, 0);
});

test('unsupported types are 400, other methods 405, trigger failures 500', async () => {
  const cdevents = target('cdevents');
  const generic = target('generic');
  const h = harness([cdevents, generic], { failTrigger: true });
  const unsupported = await post(h.app, pathOf(cdevents), valid.generic);
  assert.equal(unsupported.status, 400);
  assert.match(await unsupported.text(), /"cdevents" is not supported/);
  assert.equal((await h.app.request(pathOf(generic), { method: 'GET' })).status, 405);
  const failed = await post(h.app, pathOf(generic), valid.generic);
  assert.equal(failed.status, 500);
  assert.match(await failed.text(), /apiserver unavailable/);
});

test('a body over the cap is 413 and triggers nothing', async () => {
  const t = target('generic');
  const h = harness([t]);
  const big = Buffer.alloc(3 * 1024 * 1024 + 1, 'a');
  const res = await h.app.request(pathOf(t), {
    method: 'POST',
    body: new Blob([big]).stream(),
    duplex: 'half',
  } as RequestInit);
  assert.equal(res.status, 413);
  assert.equal(h.seen.triggers.length, 0);
});

test('coalescing: of 10 calls in a burst the first triggers at once, the other 9 share one trailing trigger', async () => {
  const clock = new FakeClock();
  const t = target('github');
  const h = harness([t], { coalesceWindowMs: 2000, clock });
  const responses = Array.from({ length: 10 }, () => post(h.app, pathOf(t), valid.github));
  while (h.seen.accepted.length < 10) await new Promise((r) => setImmediate(r));
  assert.equal((await responses[0])?.status, 200);
  assert.equal(h.seen.triggers.length, 1, 'the first call is acted on without waiting');
  clock.advance(2000);
  const statuses = await Promise.all(responses.map(async (r) => (await r).status));
  assert.deepEqual(statuses, Array(10).fill(200));
  assert.equal(h.seen.triggers.length, 2);
  // A call after the quiet periods ended runs at once again: no delivery is lost.
  clock.advance(2000);
  const later = post(h.app, pathOf(t), valid.github);
  assert.equal((await later).status, 200);
  assert.equal(h.seen.triggers.length, 3);
});

test("a body a CEL filter cannot read as JSON is the caller's mistake: 400, not 500", async () => {
  const t = target('generic');
  const failTrigger = new ReceiverFilterError('InvalidRequestBody', 'failed to parse request body as JSON: bad');
  const h = harness([t], { failTrigger });
  const res = await post(h.app, pathOf(t), valid.generic);
  assert.equal(res.status, 400);
  assert.deepEqual(h.seen.rejected, ['generic:bad_body']);
});

describe('the node server', () => {
  test('is configured with 10 s header, 30 s request timeouts and a 256 KiB header cap (431 above)', async () => {
    const h = harness([target('generic')]);
    const srv = await startReceiverServer({ app: h.app, addr: '127.0.0.1:0' });
    try {
      assert.equal(srv.server.headersTimeout, 10_000);
      assert.equal(srv.server.requestTimeout, 30_000);
      const status = await new Promise<number>((resolve, reject) => {
        const req = httpRequest(
          {
            host: '127.0.0.1',
            port: srv.port,
            path: '/hook/x',
            method: 'POST',
            headers: { 'x-big': 'a'.repeat(300 * 1024) },
          },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end();
      });
      assert.equal(status, 431);
    } finally {
      await srv.close();
    }
  });

  test('a client that never finishes its headers gets 408 and is disconnected', async () => {
    const h = harness([target('generic')]);
    const srv = await startReceiverServer({
      app: h.app,
      addr: '127.0.0.1:0',
      limits: { headersTimeoutMs: 200, requestTimeoutMs: 400, connectionsCheckingIntervalMs: 50 },
    });
    try {
      const reply = await new Promise<string>((resolve, reject) => {
        const sock = connect(srv.port, '127.0.0.1', () => sock.write('POST /hook/x HTTP/1.1\r\nHost: x\r\nX-Slow: '));
        let data = '';
        sock.on('data', (d) => (data += d.toString()));
        sock.on('close', () => resolve(data));
        sock.on('error', reject);
      });
      assert.match(reply, /^HTTP\/1\.1 408/);
      assert.equal(h.seen.lookups.length, 0);
    } finally {
      await srv.close();
    }
  });

  test('a 100 MB Content-Length claim is refused with 413 before any lookup or read', async () => {
    const t = target('generic');
    const h = harness([t]);
    const srv = await startReceiverServer({ app: h.app, addr: '127.0.0.1:0' });
    try {
      const status = await new Promise<number>((resolve, reject) => {
        const req = httpRequest(
          {
            host: '127.0.0.1',
            port: srv.port,
            path: pathOf(t),
            method: 'POST',
            headers: { 'content-length': String(100 * 1024 * 1024) },
          },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
            req.destroy();
          },
        );
        req.on('error', (err) => (req.destroyed ? undefined : reject(err)));
        req.write(Buffer.alloc(64 * 1024));
      });
      assert.equal(status, 413);
      assert.equal(h.seen.lookups.length, 0);
      assert.equal(h.seen.triggers.length, 0);
    } finally {
      await srv.close();
    }
  });

  test('an endless chunked body is cut off with 413 soon after 3 MiB', async () => {
    const t = target('generic');
    const h = harness([t]);
    const srv = await startReceiverServer({ app: h.app, addr: '127.0.0.1:0' });
    try {
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const { status, written } = await new Promise<{ status: number; written: number }>((resolve, reject) => {
        let written = 0;
        let done = false;
        const req = httpRequest({ host: '127.0.0.1', port: srv.port, path: pathOf(t), method: 'POST' }, (res) => {
          done = true;
          res.resume();
          resolve({ status: res.statusCode ?? 0, written });
          req.destroy();
        });
        req.on('error', (err) => (done ? undefined : reject(err)));
        const pump = (): void => {
          while (!done && written < 100 * 1024 * 1024) {
            written += chunk.length;
            if (!req.write(chunk)) {
              req.once('drain', pump);
              return;
            }
          }
        };
        pump();
      });
      assert.equal(status, 413);
      assert.ok(written < 16 * 1024 * 1024, `server stopped reading early (client wrote ${written} bytes of 100 MiB)`);
      assert.equal(h.seen.triggers.length, 0);
    } finally {
      await srv.close();
    }
  });
});
