import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createDashboardApp, DetailStringChars, type DashboardSources } from './api.ts';
import { EventLog } from './event-log.ts';
import { checkDashboardAddr, dashboardAuthPolicy, dashboardDisabled, isLoopbackHost } from './setup.ts';
import { statusOf } from './status.ts';
import { FakeCache, ks } from './test-support.ts';

function setup(opts: { streamBuffer?: number; apiDeadlineMs?: number; sources?: Partial<DashboardSources> } = {}) {
  const kustomizations = new FakeCache();
  const repos = new FakeCache();
  const events = new EventLog();
  const made = createDashboardApp(
    {
      kinds: [
        { apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', cache: kustomizations },
        { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository', cache: repos },
      ],
      events,
      ...opts.sources,
    },
    {
      ...(opts.apiDeadlineMs ? { apiDeadlineMs: opts.apiDeadlineMs } : {}),
      hostAllowed: (h) => isLoopbackHost(h.replace(/:\d+$/, '')),
      coalesceMs: 1,
      keepAliveMs: 0,
      ...(opts.streamBuffer ? { streamBuffer: opts.streamBuffer } : {}),
    },
  );
  const get = async (p: string, host = '127.0.0.1:9080'): Promise<Response> =>
    await made.app.fetch(new Request(`http://${host}${p}`));
  return { kustomizations, repos, events, made, get };
}

test('status: suspended, failing, progressing, ready and unknown come from spec.suspend and the conditions', () => {
  assert.equal(statusOf(ks('a', 'True')), 'ready');
  assert.equal(statusOf(ks('a', 'False')), 'failing');
  assert.equal(statusOf(ks('a', 'Unknown')), 'progressing');
  assert.equal(statusOf(ks('a', 'True', { reconciling: true })), 'progressing');
  // A failure being retried (Reconciling=True, ProgressingWithRetry) is still failing, as `flux get` shows it.
  assert.equal(statusOf(ks('a', 'False', { reconciling: true })), 'failing');
  assert.equal(statusOf(ks('a', 'False', { suspend: true })), 'suspended');
  assert.equal(statusOf(ks('a', undefined)), 'unknown');
  const newer = ks('a', 'True');
  newer.metadata.generation = 2;
  assert.equal(statusOf(newer), 'progressing');
});

test('overview counts each kind by status, and lists recent warnings', async () => {
  const { kustomizations, events, get, made } = setup();
  kustomizations.put(ks('a', 'True'));
  kustomizations.put(ks('b', 'False'));
  kustomizations.put(ks('c', 'True', { suspend: true }));
  kustomizations.put(ks('d', 'Unknown'));
  events.add({
    type: 'Normal',
    reason: 'ReconciliationSucceeded',
    message: 'fine',
    timestamp: 't1',
    involvedObject: { kind: 'Kustomization', namespace: 'apps', name: 'a' },
  });
  events.add({
    type: 'Warning',
    reason: 'BuildFailed',
    message: 'bad',
    timestamp: 't2',
    involvedObject: { kind: 'Kustomization', namespace: 'apps', name: 'b' },
  });
  const body = (await (await get('/api/overview')).json()) as {
    kinds: { kind: string; total: number; ready: number; failing: number; suspended: number; progressing: number }[];
    recentWarnings: { reason: string }[];
    recentEvents: unknown[];
    report: unknown;
  };
  assert.deepEqual(
    body.kinds.map((k) => [k.kind, k.total, k.ready, k.failing, k.suspended, k.progressing]),
    [
      ['Kustomization', 4, 1, 1, 1, 1],
      ['GitRepository', 0, 0, 0, 0, 0],
    ],
  );
  assert.deepEqual(
    body.recentWarnings.map((e) => e.reason),
    ['BuildFailed'],
  );
  assert.equal(body.recentEvents.length, 2);
  assert.equal(body.report, null);
  made.close();
});

test('objects are filtered by kind, namespace, status and text, and paged', async () => {
  const { kustomizations, get, made } = setup();
  for (let i = 0; i < 30; i++)
    kustomizations.put(
      ks(`app-${String(i).padStart(2, '0')}`, i % 3 === 0 ? 'False' : 'True', {
        ns: i < 10 ? 'team-a' : 'team-b',
        message: i === 7 ? 'needle here' : 'ok',
      }),
    );
  const page = async (q: string) =>
    (await (await get(`/api/objects?${q}`)).json()) as { items: { name: string; status: string }[]; total: number };
  assert.equal((await page('')).total, 30);
  assert.equal((await page('kind=kustomization&namespace=team-a')).total, 10);
  assert.equal((await page('status=failing')).total, 10);
  assert.deepEqual(
    (await page('q=NEEDLE')).items.map((r) => r.name),
    ['app-07'],
  );
  const second = await page('pageSize=12&page=2');
  assert.deepEqual([second.total, second.items.length, second.items[0]?.name], [30, 12, 'app-12']);
  assert.equal((await get('/api/objects?status=green')).status, 400);
  assert.equal((await get('/api/objects?kind=Nope')).status, 404);
  made.close();
});

test('an object page has conditions, history and the inventory parsed; a 10 MB message is cut', async () => {
  const { kustomizations, events, get, made } = setup();
  const huge = 'x'.repeat(10 * 1024 * 1024);
  kustomizations.put(ks('child', 'False'));
  kustomizations.put(
    ks('big', 'False', {
      message: huge,
      status: {
        history: [
          {
            digest: 'sha256:1',
            lastReconciled: 't',
            lastReconciledDuration: '1s',
            lastReconciledStatus: 'ReconciliationSucceeded',
            totalReconciliations: 1,
          },
        ],
        inventory: {
          entries: [
            { id: 'apps_web_apps_Deployment', v: 'v1' },
            { id: 'apps_child_kustomize.toolkit.fluxcd.io_Kustomization', v: 'v1' },
          ],
        },
      },
    }),
  );
  events.add({
    type: 'Warning',
    reason: 'BuildFailed',
    message: 'bad',
    timestamp: 't',
    involvedObject: { kind: 'Kustomization', namespace: 'apps', name: 'big' },
  });
  const res = await get('/api/objects/Kustomization/apps/big');
  const text = await res.text();
  assert.ok(text.length < 200_000, `response is ${text.length} characters`);
  const body = JSON.parse(text) as {
    conditions: { message: string }[];
    history: { digest: string }[];
    inventory: { nodes: { namespace: string; name: string; kind: string; health: string; status?: string }[] };
    events: { reason: string }[];
    eventsFrom: string;
    row: { message: string };
  };
  assert.ok(body.conditions[0]!.message.length < DetailStringChars + 100);
  assert.deepEqual(
    body.history.map((h) => h.digest),
    ['sha256:1'],
  );
  assert.deepEqual(
    body.inventory.nodes.map((n) => [n.kind, n.name, n.health, n.status]),
    [
      // No API server here: the Deployment's health is unknown; a nested Kustomization comes from the cache.
      ['Deployment', 'web', 'Unknown', undefined],
      // kstatus reads Ready=False without Stalled as InProgress; the dashboard status says failing.
      ['Kustomization', 'child', 'InProgress', 'failing'],
    ],
  );
  assert.deepEqual([body.eventsFrom, body.events.map((e) => e.reason)], ['engine-memory', ['BuildFailed']]);
  assert.equal((await get('/api/objects/Kustomization/apps/missing')).status, 404);
  made.close();
});

test('an object page links revisions to commits when its GitRepository source is on a known forge', async () => {
  const { kustomizations, repos, get, made } = setup();
  const sha = '0123456789abcdef0123456789abcdef01234567';
  repos.put({
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'GitRepository',
    metadata: { name: 'repo', namespace: 'apps' },
    spec: { url: 'https://github.com/org/fleet.git' },
  });
  kustomizations.put(
    ks('linked', 'True', {
      status: {
        lastAppliedRevision: `main@sha1:${sha}`,
        history: [{ digest: 'sha256:1', metadata: { revision: `main@sha1:${sha}` } }],
      },
    }),
  );
  const body = (await (await get('/api/objects/Kustomization/apps/linked')).json()) as {
    revisionUrl?: string;
    history: { commitUrl?: string }[];
  };
  assert.equal(body.revisionUrl, `https://github.com/org/fleet/commit/${sha}`);
  assert.equal(body.history[0]?.commitUrl, `https://github.com/org/fleet/commit/${sha}`);
  made.close();
});

test('a request by a non-loopback host name is refused (DNS rebinding) and answers carry a strict CSP', async () => {
  const { get, made } = setup();
  assert.equal((await get('/api/overview', 'evil.example:9080')).status, 403);
  const ok = await get('/api/overview', 'localhost:9080');
  assert.equal(ok.status, 200);
  assert.match(ok.headers.get('content-security-policy') ?? '', /script-src 'self'/);
  // Without a build, the page says how to build it; the API still works.
  assert.equal((await get('/')).status, 503);
  made.close();
});

async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, needle: string): Promise<string> {
  const dec = new TextDecoder();
  let seen = '';
  while (!seen.includes(needle)) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`stream ended before "${needle}": ${seen}`);
    seen += dec.decode(value);
  }
  return seen;
}

test('the event stream pushes informer changes and recorded events', async () => {
  const { kustomizations, events, get, made } = setup();
  const res = await get('/api/events/stream');
  assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
  const reader = res.body!.getReader();
  await readUntil(reader, 'event: hello');
  kustomizations.put(ks('live', 'True'));
  const seen = await readUntil(reader, '"name":"live"');
  assert.match(seen, /event: objects\ndata: \[\{"type":"ADDED"/);
  events.add({
    type: 'Warning',
    reason: 'HealthCheckFailed',
    message: 'm',
    timestamp: 't',
    involvedObject: { kind: 'Kustomization', namespace: 'apps', name: 'live' },
  });
  assert.match(await readUntil(reader, 'HealthCheckFailed'), /event: event\n/);
  await reader.cancel();
  assert.equal(made.broadcaster.stats.clients, 0);
  made.close();
});

test('a stream client that never reads is dropped once its buffer is full; a reading one stays', async () => {
  const { events, get, made } = setup({ streamBuffer: 8 });
  const idle = await get('/api/events/stream');
  const reading = (await get('/api/events/stream')).body!.getReader();
  assert.equal(made.broadcaster.stats.clients, 2);
  for (let i = 0; i < 20; i++) {
    events.add({
      type: 'Normal',
      reason: `R${i}`,
      message: 'm',
      timestamp: 't',
      involvedObject: { kind: 'K', namespace: 'n', name: 'x' },
    });
    await readUntil(reading, `R${i}"`);
  }
  assert.deepEqual(made.broadcaster.stats, { clients: 1, dropped: 1 });
  await assert.rejects(idle.body!.getReader().read(), /not reading/);
  await reading.cancel();
  made.close();
});

test('tokens are asked off loopback (reads only without the read-only flag), on loopback only in token mode', () => {
  assert.equal(dashboardDisabled('0'), true);
  assert.equal(dashboardDisabled('127.0.0.1:9080'), false);
  checkDashboardAddr('127.0.0.1:9080');
  checkDashboardAddr(':9080', 'token');
  assert.throws(() => checkDashboardAddr(':9080', 'none'), /--web-auth must be one of auto, token/);
  const open = { readRequiresToken: false, actionsRequireToken: false };
  assert.deepEqual(dashboardAuthPolicy('127.0.0.1:9080', 'auto', false), open);
  assert.deepEqual(dashboardAuthPolicy('[::1]:9080', 'auto', false), open);
  assert.deepEqual(dashboardAuthPolicy('localhost:9080', 'token', false), { ...open, actionsRequireToken: true });
  assert.deepEqual(dashboardAuthPolicy(':9080', 'auto', false), { readRequiresToken: true, actionsRequireToken: true });
  assert.deepEqual(dashboardAuthPolicy('10.0.0.5:9080', 'auto', true), {
    readRequiresToken: false,
    actionsRequireToken: true,
  });
});

test('an object page answers within its deadline when the API server never does, and says why', async () => {
  const never = <T>(): Promise<T> => new Promise<T>(() => undefined);
  const { kustomizations, get, made } = setup({
    apiDeadlineMs: 50,
    sources: { objectEvents: never, liveObjects: never },
  });
  kustomizations.put(
    ks('app', 'True', { status: { inventory: { entries: [{ id: 'apps_web_apps_Deployment', v: 'v1' }] } } }),
  );
  const res = await get('/api/objects/Kustomization/apps/app');
  assert.equal(res.status, 200);
  const body = (await res.json()) as {
    eventsFrom: string;
    eventsError: string;
    inventory: { errors: string[]; nodes: { health: string }[] };
  };
  assert.equal(body.eventsFrom, 'engine-memory');
  assert.match(body.eventsError, /did not list the events within 0\.05 s/);
  assert.deepEqual(
    body.inventory.nodes.map((n) => n.health),
    ['Unknown'],
  );
  assert.match(body.inventory.errors.join('\n'), /health of 1 object\(s\) is unknown: the API server did not return/);
  made.close();
});
