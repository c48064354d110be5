import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { KubeClient } from './client.ts';
import { isNoKindMatch, KubeApiError } from './errors.ts';
import { sendJson, startFakeApiServer, type FakeApiServer } from './test-support.ts';

const gv = '/apis/source.toolkit.fluxcd.io/v1';
const sourceList = {
  kind: 'APIResourceList',
  groupVersion: 'source.toolkit.fluxcd.io/v1',
  resources: [
    { name: 'gitrepositories', kind: 'GitRepository', namespaced: true, verbs: ['get', 'list'] },
    { name: 'gitrepositories/status', kind: 'GitRepository', namespaced: true, verbs: ['get', 'patch'] },
  ],
};
const status = (code: number, reason: string, message: string) => ({ kind: 'Status', code, reason, message });

/** A server whose discovery answers follow `answers` in turn (the last one repeats). */
async function serve(
  t: { after: (fn: () => Promise<void>) => void },
  answers: ((res: ServerResponse) => void)[],
): Promise<{ server: FakeApiServer; client: KubeClient }> {
  let n = 0;
  const server = await startFakeApiServer({
    handler: (_req, res) => answers[Math.min(n++, answers.length - 1)]!(res),
  });
  t.after(() => server.close());
  return { server, client: new KubeClient({ kubeConfig: server.kubeConfig }) };
}

void test('a 404 of the group-version means the CRD is not installed', async (t) => {
  const { client } = await serve(t, [
    (res) => sendJson(res, 404, status(404, 'NotFound', 'the server could not find')),
  ]);
  await assert.rejects(client.resource('source.toolkit.fluxcd.io/v1', 'GitRepository'), (err: unknown) => {
    assert.ok(isNoKindMatch(err));
    assert.match((err as Error).message, /no matches for kind "GitRepository".*is the CRD installed\?/);
    return true;
  });
});

void test('a kind missing from the list is looked up again once, then is NoKindMatch', async (t) => {
  const { server, client } = await serve(t, [(res) => sendJson(res, 200, sourceList)]);
  await assert.rejects(client.resource('source.toolkit.fluxcd.io/v1', 'HelmRepository'), (e: unknown) =>
    isNoKindMatch(e),
  );
  assert.equal(server.requests.length, 2);
  const found = await client.resource('source.toolkit.fluxcd.io/v1', 'GitRepository');
  assert.equal(found.plural, 'gitrepositories');
});

void test('a 403 of discovery is reported as Forbidden, not as a missing CRD, and is not cached', async (t) => {
  const { server, client } = await serve(t, [
    (res) => sendJson(res, 403, status(403, 'Forbidden', `forbidden: User "x" cannot get path "${gv}"`)),
    (res) => sendJson(res, 200, sourceList),
  ]);
  await assert.rejects(client.resource('source.toolkit.fluxcd.io/v1', 'GitRepository'), (err: unknown) => {
    assert.ok(err instanceof KubeApiError);
    assert.equal(err.status, 403);
    assert.ok(!isNoKindMatch(err));
    assert.match(err.message, /^discovery of source\.toolkit\.fluxcd\.io\/v1 failed: Forbidden: forbidden: User "x"/);
    return true;
  });
  assert.equal((await client.resource('source.toolkit.fluxcd.io/v1', 'GitRepository')).plural, 'gitrepositories');
  assert.equal(server.requests.length, 2, 'the failure was not cached');
});

void test('a 5xx of discovery keeps its status (transient) and says what failed', async (t) => {
  const { client } = await serve(t, [(res) => sendJson(res, 500, status(500, 'InternalError', 'etcd is down'))]);
  await assert.rejects(client.resource('v1', 'ConfigMap'), (err: unknown) => {
    assert.ok(err instanceof KubeApiError && err.status === 500 && !isNoKindMatch(err));
    assert.match(err.message, /^discovery of v1 failed: InternalError: etcd is down/);
    return true;
  });
});

void test('a network failure of discovery is reported as such', async (t) => {
  const { server, client } = await serve(t, [(res) => res.socket?.destroy()]);
  await assert.rejects(client.resource('v1', 'ConfigMap'), (err: unknown) => {
    assert.ok(err instanceof KubeApiError && err.status === 0 && !isNoKindMatch(err));
    assert.match(err.message, /^discovery of v1 failed: NetworkError: /);
    return true;
  });
  assert.equal(server.requests.length, 1);
});

void test('a GET whose kind cannot be discovered (403) fails instead of answering "not found"', async (t) => {
  const { client } = await serve(t, [(res) => sendJson(res, 403, status(403, 'Forbidden', 'no'))]);
  await assert.rejects(
    client.get({ apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository', namespace: 'a', name: 'b' }),
    (err: unknown) => err instanceof KubeApiError && err.status === 403,
  );
});
