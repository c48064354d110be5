import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { makeEvent, testSha } from '../alerts/test-events.ts';
import { NotificationError, NotificationReasons } from './errors.ts';
import { providerAcceptsEvent, providerFactories } from './registry.ts';
import { CommentForgeStandIn } from './test-comment-forge.ts';
import type { CommentForgeKind } from './test-comment-forge.ts';
import { PROVIDER_UID, TOKEN } from './test-provider-cases.ts';
import type { ProviderType } from './types.ts';

const annotation = 'event.toolkit.fluxcd.io/change_request';
const forges: { type: ProviderType; kind: CommentForgeKind; prefix: string; marker: string }[] = [
  { type: 'githubpullrequestcomment', kind: 'github', prefix: '/api/v3', marker: 'flux-pr-comment-key' },
  { type: 'gitlabmergerequestcomment', kind: 'gitlab', prefix: '/api/v4', marker: 'flux-mr-comment-key' },
  { type: 'giteapullrequestcomment', kind: 'gitea', prefix: '/api/v1', marker: 'flux-pr-comment-key' },
];

async function startForge(t: { after(fn: () => Promise<void>): void }) {
  const forge = new CommentForgeStandIn();
  const problems: string[] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const url = req.url ?? '';
      const f = forges.find((x) => url.startsWith(x.prefix));
      if (!f) return void res.writeHead(404).end();
      const answer = forge.handle(
        f.kind,
        req.method ?? '',
        url.slice(f.prefix.length),
        raw ? JSON.parse(raw) : undefined,
      );
      problems.push(...answer.problems.map((p) => `${req.method} ${url}: ${p}`));
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  return { forge, problems, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const event = (name: string, pr: string | undefined, over: Parameters<typeof makeEvent>[0] = {}) =>
  makeEvent({
    involvedObject: { ...makeEvent().involvedObject, name },
    ...over,
    metadata: { revision: `main@sha1:${testSha}`, ...(pr === undefined ? {} : { change_request: pr }) },
  });

for (const f of forges) {
  void test(`${f.type}: one comment per object on the change request, created then edited in place`, async (t) => {
    const { forge, problems, url } = await startForge(t);
    const cfg = { type: f.type, address: `${url}/org/app`, token: TOKEN, providerUid: PROVIDER_UID };
    const notifier = providerFactories[f.type](cfg);
    // A comment by someone else carrying the same marker, and one of ours without it, are left alone.
    const marker = `<!-- ${f.marker}:${PROVIDER_UID}/Kustomization/apps/webapp -->`;
    forge.thread(f.kind, 7).push({ id: 1, body: `${marker}\nquoted`, author: 'someone' });
    forge.thread(f.kind, 7).push({ id: 2, body: 'unrelated', author: 'flux-bot' });

    await notifier.post(event('webapp', '7'));
    await notifier.post(
      event('webapp', '7', { severity: 'error', reason: 'BuildFailed', message: 'kustomize build failed' }),
    );
    await notifier.post(event('other', '7'));
    assert.deepEqual(problems, [], 'every request matches the documented API');
    const ours = forge.thread(f.kind, 7).filter((c) => c.author === 'flux-bot' && c.id > 2);
    assert.equal(ours.length, 2, 'one comment per object');
    assert.equal(
      ours[0]?.body,
      `${marker}\n\n## Flux Status\n\n⚠️ Kustomization/apps/webapp\n\nkustomize build failed\n\nMetadata:\n* \`revision\`: main@sha1:${testSha}\n`,
    );
    assert.match(ours[1]?.body ?? '', new RegExp(`^<!-- ${f.marker}:${PROVIDER_UID}/Kustomization/apps/other -->`));
    assert.deepEqual(
      forge
        .thread(f.kind, 7)
        .slice(0, 2)
        .map((c) => c.body),
      [`${marker}\nquoted`, 'unrelated'],
    );
  });

  void test(`${f.type}: two events of one object posted together still make one comment`, async (t) => {
    const { forge, url } = await startForge(t);
    const cfg = { type: f.type, address: `${url}/org/app`, token: TOKEN, providerUid: PROVIDER_UID };
    await Promise.all([
      providerFactories[f.type](cfg).post(event('webapp', '9', { reason: 'Progressing', message: 'applying' })),
      providerFactories[f.type](cfg).post(event('webapp', '9', { message: 'applied' })),
    ]);
    assert.equal(forge.thread(f.kind, 9).length, 1);
    assert.match(forge.thread(f.kind, 9)[0]?.body ?? '', /\n\napplied\n/);
  });

  void test(`${f.type}: a missing or non-numeric change_request is an InvalidEvent; no UID is InvalidProviderConfig`, async (t) => {
    const { url } = await startForge(t);
    const notifier = providerFactories[f.type]({
      type: f.type,
      address: `${url}/org/app`,
      token: TOKEN,
      providerUid: PROVIDER_UID,
    });
    for (const pr of [undefined, 'abc']) {
      await assert.rejects(notifier.post(event('webapp', pr)), (err: unknown) => {
        assert.ok(err instanceof NotificationError);
        assert.equal(err.reason, NotificationReasons.InvalidEvent);
        assert.match(err.message, /"change_request" metadata/);
        return true;
      });
    }
    assert.throws(
      () => providerFactories[f.type]({ type: f.type, address: `${url}/org/app`, token: TOKEN }),
      (err: unknown) => err instanceof NotificationError && err.reason === NotificationReasons.InvalidConfig,
    );
  });

  void test(`${f.type}: only events of annotated objects are dispatched, never commit-status updates`, () => {
    const raw = (metadata: Record<string, string>) => makeEvent({ metadata });
    assert.equal(providerAcceptsEvent(f.type, raw({ [annotation]: '7' })), true);
    assert.equal(providerAcceptsEvent(f.type, raw({ 'kustomize.toolkit.fluxcd.io/revision': 'main@sha1:x' })), false);
    assert.equal(
      providerAcceptsEvent(f.type, raw({ [annotation]: '7', 'kustomize.toolkit.fluxcd.io/commit_status': 'update' })),
      false,
    );
  });
}
