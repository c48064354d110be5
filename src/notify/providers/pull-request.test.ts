import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { NotificationError } from './errors.ts';
import { closePullRequest, ensurePullRequest, type PullRequestSpec } from './pull-request.ts';
import { PullRequestForgeStandIn, type PullRequestForgeKind } from './test-pull-request-forge.ts';
import type { ProviderConfig } from './types.ts';

const TOKEN = 'forge-token-never-shown-1234';
// Each test its own forge: the unit runner runs tests concurrently.
async function startForge(t: TestContext): Promise<PullRequestForgeStandIn> {
  const forge = new PullRequestForgeStandIn(TOKEN);
  await forge.listen();
  t.after(() => forge.close());
  return forge;
}

const kinds: PullRequestForgeKind[] = ['github', 'gitlab', 'gitea'];
const cfg = (forge: PullRequestForgeStandIn, type: PullRequestForgeKind, token = TOKEN): ProviderConfig => ({
  type,
  address: `${forge.url}/org/app`,
  token,
  retry: { attempts: 2, baseDelayMs: 1 },
});
const spec = (head: string, body = 'images:\n- a -> b'): PullRequestSpec => ({
  head,
  base: 'main',
  title: 'Update images',
  body,
});

for (const kind of kinds) {
  void test(`${kind}: opens one request, leaves it alone when unchanged, updates it, opens a new one after a merge`, async (t) => {
    const forge = await startForge(t);
    const first = await ensurePullRequest(cfg(forge, kind), spec('image-updates'));
    assert.equal(first.action, 'opened');
    assert.equal(first.number, 1);
    assert.match(first.url, /\/(pull|mr)\/1$/);
    assert.equal((await ensurePullRequest(cfg(forge, kind), spec('image-updates'))).action, 'unchanged');
    const updated = await ensurePullRequest(cfg(forge, kind), spec('image-updates', 'images:\n- a -> c'));
    assert.deepEqual(updated, { ...first, action: 'updated' });
    assert.equal(forge.open(kind).length, 1);
    assert.equal(forge.open(kind)[0]!.body, 'images:\n- a -> c');
    // Another head branch is another request.
    assert.equal((await ensurePullRequest(cfg(forge, kind), spec('other'))).number, 2);
    forge.merge(kind, 1);
    const next = await ensurePullRequest(cfg(forge, kind), spec('image-updates'));
    assert.deepEqual([next.action, next.number], ['opened', 3]);
    assert.deepEqual(forge.problems, []);
  });
}

void test('gitea: the open requests are read page by page to find the one for the branches', async (t) => {
  const forge = await startForge(t);
  for (let i = 0; i < 55; i++) await ensurePullRequest(cfg(forge, 'gitea'), spec(`many-${i}`));
  const before = forge.calls.length;
  const again = await ensurePullRequest(cfg(forge, 'gitea'), spec('many-54'));
  assert.equal(again.action, 'unchanged');
  assert.deepEqual(
    forge.calls.slice(before).map((c) => c.replace(/^gitea /, '')),
    ['GET /repos/org/app/pulls', 'GET /repos/org/app/pulls'],
  );
  assert.deepEqual(forge.problems, []);
});

void test('a create the forge fails after storing is not retried, and the next run finds the stored request', async (t) => {
  const forge = await startForge(t);
  forge.failNextCreate.github = true;
  await assert.rejects(ensurePullRequest(cfg(forge, 'github'), spec('flaky')), (err: NotificationError) => {
    assert.equal(err.status, 502);
    assert.equal(err.attempts, 1);
    return true;
  });
  assert.equal((await ensurePullRequest(cfg(forge, 'github'), spec('flaky'))).action, 'unchanged');
  assert.equal(forge.open('github').filter((p) => p.head === 'flaky').length, 1);
});

void test('a wrong token fails with the status and without the token; a Provider type that is no forge is refused', async (t) => {
  const forge = await startForge(t);
  await assert.rejects(ensurePullRequest(cfg(forge, 'gitlab', 'wrong-token-0000'), spec('x')), (err: Error) => {
    assert.match(err.message, /HTTP 401/);
    assert.doesNotMatch(err.message, /wrong-token-0000|forge-token/);
    return true;
  });
  await assert.rejects(
    ensurePullRequest({ ...cfg(forge, 'github'), type: 'slack' }, spec('x')),
    /pull requests need a Provider of type github, gitlab, gitea/,
  );
});

for (const kind of kinds) {
  void test(`${kind}: closes the open request of the branches with the reason as its description; none open is a no-op`, async (t) => {
    const forge = await startForge(t);
    await ensurePullRequest(cfg(forge, kind), spec('image-updates'));
    await ensurePullRequest(cfg(forge, kind), spec('other'));
    const closed = await closePullRequest(cfg(forge, kind), { head: 'image-updates', base: 'main' }, 'not needed');
    assert.equal(closed?.number, 1);
    assert.match(closed?.url ?? '', /\/(pull|mr)\/1$/);
    assert.deepEqual(
      forge.pulls[kind].map((p) => [p.head, p.state, p.body]),
      [
        ['image-updates', 'closed', 'not needed'],
        ['other', 'open', 'images:\n- a -> b'],
      ],
    );
    assert.equal(await closePullRequest(cfg(forge, kind), { head: 'image-updates', base: 'main' }, 'x'), undefined);
    // A later update opens a new request rather than reviving the closed one.
    assert.equal((await ensurePullRequest(cfg(forge, kind), spec('image-updates'))).action, 'opened');
    assert.deepEqual(forge.problems, []);
  });
}
