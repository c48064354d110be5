import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeClient } from '../kube/client.ts';
import { KubeApiError } from '../kube/errors.ts';
import type { ObjectRef } from '../kube/types.ts';
import { createDashboardApp } from './api.ts';
import { TokenCache, type AccessRequest, type AccessReviewer, type Caller } from './auth.ts';
import { EventLog } from './event-log.ts';
import { FakeCache, ks } from './test-support.ts';

interface Patch {
  as: string;
  ref: ObjectRef;
  body: unknown;
}

/** A client that records patches and who sent them; `forbid` makes the "API server" refuse some. */
function fakeClient(patches: Patch[], forbid: (as: string) => boolean = () => false) {
  const make = (as: string): Pick<KubeClient, 'impersonate' | 'patch' | 'resource'> => ({
    impersonate: (user: string) => make(user) as KubeClient,
    patch: (async (ref: ObjectRef, body: unknown) => {
      if (forbid(as)) throw new KubeApiError({ status: 403, reason: 'Forbidden', message: `${as} is forbidden` });
      patches.push({ as, ref, body });
      return {};
    }) as KubeClient['patch'],
    resource: (async (apiVersion: string, kind: string) => ({
      group: apiVersion.split('/')[0]!,
      version: 'v1',
      kind,
      plural: `${kind.toLowerCase()}s`,
      namespaced: true,
      verbs: [],
    })) as KubeClient['resource'],
  });
  return make('engine');
}

/** Tokens `alice` (may patch everything) and `bob` (may patch nothing); counts the reviews asked. */
function fakeReviewer(): AccessReviewer & { reviews: number; asked: AccessRequest[] } {
  const r = {
    reviews: 0,
    asked: [] as AccessRequest[],
    async reviewToken(token: string): Promise<Caller | undefined> {
      r.reviews++;
      return token === 'alice-token' || token === 'bob-token'
        ? { user: token.replace('-token', ''), groups: ['system:authenticated'] }
        : undefined;
    },
    async authorize(caller: Caller, req: AccessRequest) {
      r.asked.push(req);
      return caller.user === 'alice' ? { allowed: true, reason: '' } : { allowed: false, reason: 'no RBAC rule' };
    },
  };
  return r;
}

function setup(opts: { actionsRequireToken: boolean; readRequiresToken?: boolean; forbid?: (as: string) => boolean }) {
  const kustomizations = new FakeCache();
  const repos = new FakeCache();
  kustomizations.put(ks('app', 'True'));
  kustomizations.put(ks('paused', 'True', { suspend: true }));
  repos.put({
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'GitRepository',
    metadata: { name: 'repo', namespace: 'apps' },
    spec: { url: 'https://example.com/r.git' },
  });
  const patches: Patch[] = [];
  const reviewer = fakeReviewer();
  const made = createDashboardApp(
    {
      kinds: [
        { apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', cache: kustomizations },
        { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository', cache: repos },
      ],
      events: new EventLog(),
    },
    {
      keepAliveMs: 0,
      auth: {
        reviewer,
        client: fakeClient(patches, opts.forbid),
        readRequiresToken: opts.readRequiresToken ?? false,
        actionsRequireToken: opts.actionsRequireToken,
      },
    },
  );
  const post = async (p: string, token?: string, body: unknown = {}, headers: Record<string, string> = {}) =>
    await made.app.fetch(
      new Request(`http://127.0.0.1:9080${p}`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          ...(token ? { Authorization: `Bearer ${token}` } : {}),
          ...headers,
        },
        body: JSON.stringify(body),
      }),
    );
  return { made, patches, reviewer, post };
}

test('an action needs a token when required: none or a bad one is 401, a forbidden user 403, an allowed one patches as itself', async () => {
  const { made, patches, reviewer, post } = setup({ actionsRequireToken: true });
  const url = '/api/objects/Kustomization/apps/app/reconcile';
  assert.equal((await post(url)).status, 401);
  assert.equal((await post(url, 'stolen')).status, 401);
  const refused = await post(url, 'bob-token');
  assert.equal(refused.status, 403);
  assert.match(((await refused.json()) as { error: string }).error, /bob may not patch kustomizations.*no RBAC rule/);
  assert.equal(patches.length, 0);

  const ok = await post(url, 'alice-token', { withSource: true });
  assert.equal(ok.status, 200);
  const answer = (await ok.json()) as { requestedAt: string; as: string; done: string[] };
  assert.equal(answer.as, 'alice');
  assert.deepEqual(answer.done, ['GitRepository apps/repo', 'Kustomization apps/app']);
  assert.deepEqual(
    patches.map((p) => [p.as, p.ref.kind, p.body]),
    [
      [
        'alice',
        'GitRepository',
        { metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': answer.requestedAt } } },
      ],
      [
        'alice',
        'Kustomization',
        { metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': answer.requestedAt } } },
      ],
    ],
  );
  assert.deepEqual(reviewer.asked.at(-1), {
    verb: 'patch',
    group: 'kustomize.toolkit.fluxcd.io',
    resource: 'kustomizations',
    namespace: 'apps',
    name: 'app',
  });
  made.close();
});

test('suspend and resume patch spec.suspend; a suspended object is not reconciled; unknown objects and actions are 404', async () => {
  const { made, patches, post } = setup({ actionsRequireToken: false });
  assert.equal((await post('/api/objects/Kustomization/apps/app/suspend')).status, 200);
  assert.equal((await post('/api/objects/Kustomization/apps/paused/resume')).status, 200);
  assert.deepEqual(
    patches.map((p) => [p.as, p.ref.name, p.body]),
    [
      ['engine', 'app', { spec: { suspend: true } }],
      ['engine', 'paused', { spec: { suspend: null } }],
    ],
  );
  assert.equal((await post('/api/objects/Kustomization/apps/paused/reconcile')).status, 409);
  assert.equal((await post('/api/objects/Kustomization/apps/nope/reconcile')).status, 404);
  assert.equal((await post('/api/objects/Kustomization/apps/app/delete')).status, 404);
  made.close();
});

test('cross-site and non-JSON action requests are refused (a page on another site cannot act on loopback)', async () => {
  const { made, patches, post } = setup({ actionsRequireToken: false });
  const url = '/api/objects/Kustomization/apps/app/suspend';
  assert.equal((await post(url, undefined, {}, { 'Sec-Fetch-Site': 'cross-site' })).status, 403);
  assert.equal((await post(url, undefined, {}, { Origin: 'https://evil.example' })).status, 403);
  assert.equal((await post(url, undefined, {}, { 'Content-Type': 'text/plain' })).status, 400);
  assert.equal(patches.length, 0);
  made.close();
});

test('the API server refusing the impersonated patch is a 403, not an engine error', async () => {
  const { made, post } = setup({ actionsRequireToken: true, forbid: (as) => as === 'alice' });
  assert.equal((await post('/api/objects/Kustomization/apps/app/suspend', 'alice-token')).status, 403);
  made.close();
});

test('reading needs a token when required; /api/auth tells the page what to ask, and reviews are not repeated per request', async () => {
  const { made, reviewer } = setup({ actionsRequireToken: true, readRequiresToken: true });
  const get = async (p: string, token?: string) =>
    await made.app.fetch(
      new Request(`http://127.0.0.1:9080${p}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} }),
    );
  assert.equal((await get('/api/overview')).status, 401);
  assert.equal((await get('/api/overview', 'bob-token')).status, 200);
  assert.deepEqual(await (await get('/api/auth', 'bob-token')).json(), {
    actions: true,
    readRequiresToken: true,
    actionsRequireToken: true,
    user: 'bob',
  });
  assert.ok(reviewer.reviews >= 2);
  made.close();
});

test('token answers are cached for their lifetime, bounded, the oldest dropped first', () => {
  let now = 0;
  const cache = new TokenCache({ ttlMs: 1000, maxEntries: 2, now: () => now });
  cache.set('a', { user: 'a', groups: [] });
  cache.set('b', undefined);
  assert.deepEqual(cache.get('a'), { caller: { user: 'a', groups: [] } });
  assert.deepEqual(cache.get('b'), { caller: undefined });
  cache.set('c', { user: 'c', groups: [] });
  assert.equal(cache.size, 2);
  assert.equal(cache.get('a'), undefined);
  now = 1000;
  assert.equal(cache.get('c'), undefined);
});
