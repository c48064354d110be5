import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeEvent, testSha } from '../alerts/test-events.ts';
import { azureDevOpsRepository } from './azure-devops.ts';
import { bitbucketRepository } from './bitbucket.ts';
import { bitbucketServerRepository } from './bitbucket-server.ts';
import { CommitStatusLog } from './commit-status-log.ts';
import { CommitStatusMemo } from './commit-status-memo.ts';
import { commitStateOf, defaultCommitStatusContext } from './commit-status.ts';
import { NotificationError, NotificationReasons } from './errors.ts';
import { giteaRepository } from './gitea.ts';
import { githubRepository } from './github.ts';
import { gitlabProject } from './gitlab.ts';
import { providerAcceptsEvent, providerFactories } from './registry.ts';
import { checkForge, forgeCases } from './test-forge-cases.ts';
import { documentedForgeOperations, githubStatusOperation } from './test-forge-shapes.ts';
import type { ForgeOperation } from './test-forge-shapes.ts';
import { PROVIDER_UID, TOKEN } from './test-provider-cases.ts';
import { jsonBody, startRecordingServer } from './test-server.ts';
import type { ProviderConfig, ProviderType } from './types.ts';

const cfg = (type: ProviderType, address: string): ProviderConfig => ({ type, address, token: TOKEN });

void test('API base URLs are derived from https, ssh and scp-style repository addresses', () => {
  const gh = (a: string) => githubRepository(cfg('github', a));
  assert.deepEqual(gh('https://github.com/org/app.git'), {
    apiBase: 'https://api.github.com',
    owner: 'org',
    repo: 'app',
  });
  assert.deepEqual(gh('ssh://git@github.com/org/app'), {
    apiBase: 'https://api.github.com',
    owner: 'org',
    repo: 'app',
  });
  assert.deepEqual(gh('git@github.com:org/app.git'), { apiBase: 'https://api.github.com', owner: 'org', repo: 'app' });
  assert.equal(gh('https://ghe.corp.example/org/app').apiBase, 'https://ghe.corp.example/api/v3');
  assert.equal(gh('ssh://git@ghe.corp.example:2222/org/app.git').apiBase, 'https://ghe.corp.example/api/v3');
  assert.equal(gh('http://127.0.0.1:3000/org/app').apiBase, 'http://127.0.0.1:3000/api/v3');

  assert.deepEqual(gitlabProject(cfg('gitlab', 'https://gitlab.com/group/sub/app.git')), {
    apiBase: 'https://gitlab.com/api/v4',
    projectId: 'group%2Fsub%2Fapp',
  });
  assert.equal(gitlabProject(cfg('gitlab', 'git@gitlab.corp:team/app.git')).apiBase, 'https://gitlab.corp/api/v4');
  assert.equal(giteaRepository(cfg('gitea', 'https://gitea.corp/org/app.git')).apiBase, 'https://gitea.corp/api/v1');
  assert.deepEqual(bitbucketRepository(cfg('bitbucket', 'https://bob@bitbucket.org/ws/app.git')), {
    workspace: 'ws',
    repo: 'app',
  });
  assert.deepEqual(bitbucketServerRepository(cfg('bitbucketserver', 'https://bb.corp/ctx/scm/PROJ/app.git')), {
    base: 'https://bb.corp/ctx',
    project: 'PROJ',
    repo: 'app',
  });
  assert.deepEqual(bitbucketServerRepository(cfg('bitbucketserver', 'ssh://git@bb.corp:7999/PROJ/app.git')), {
    base: 'https://bb.corp',
    project: 'PROJ',
    repo: 'app',
  });
  const az = (a: string) => azureDevOpsRepository(cfg('azuredevops', a));
  const want = { projectUrl: 'https://dev.azure.com/org/proj', repo: 'app' };
  assert.deepEqual(az('https://org@dev.azure.com/org/proj/_git/app'), want);
  assert.deepEqual(az('git@ssh.dev.azure.com:v3/org/proj/app'), want);
  assert.deepEqual(az('https://org.visualstudio.com/DefaultCollection/proj/_git/app'), {
    projectUrl: 'https://org.visualstudio.com/proj',
    repo: 'app',
  });
});

void test('unusable addresses and missing settings are InvalidProviderConfig errors that do not echo the address', () => {
  const cases: [ProviderType, Partial<ProviderConfig>][] = [
    ['github', { address: 'https://github.com/only-owner' }],
    ['github', { address: 'https://github.com/a/b/c' }],
    ['github', { address: 'not a url' }],
    ['github', { address: 'https://github.com/a/b', token: undefined }],
    ['github', { address: 'https://github.com/a/b', providerUid: undefined }],
    ['github', { address: 'https://github.com/a/b', commitStatusExpr: 'event.nope(' }],
    ['gitlab', { address: 'https://gitlab.com/alone' }],
    ['bitbucket', { address: 'https://bitbucket.corp/ws/app' }],
    ['bitbucketserver', { address: 'https://bb.corp/scm/PROJ/app', token: undefined }],
    ['azuredevops', { address: 'https://dev.azure.com/org/proj/app' }],
  ];
  for (const [type, over] of cases) {
    const config: ProviderConfig = { type, address: '', token: TOKEN, providerUid: PROVIDER_UID, ...over };
    assert.throws(
      () => providerFactories[type](config),
      (err: unknown) =>
        err instanceof NotificationError &&
        err.reason === NotificationReasons.InvalidConfig &&
        !err.message.includes(TOKEN) &&
        (config.address.length < 12 || !err.message.includes(config.address)),
      `${type} ${JSON.stringify(over)}`,
    );
  }
});

void test('state, context and description rules', () => {
  assert.equal(commitStateOf(makeEvent()), 'success');
  assert.equal(commitStateOf(makeEvent({ reason: 'Progressing' })), 'pending');
  assert.equal(commitStateOf(makeEvent({ severity: 'error', reason: 'Progressing' })), 'failure');
  assert.equal(commitStateOf(makeEvent({ severity: 'error', reason: 'HealthCheckFailed' })), 'failure');
  const event = makeEvent({ involvedObject: { ...makeEvent().involvedObject, name: 'WebApp' } });
  assert.equal(defaultCommitStatusContext(event, '0C9C2E41-aaaa-bbbb'), 'kustomization/webapp/0c9c2e41');
});

for (const forge of forgeCases) {
  void test(`${forge.type}: pending then success on a good commit, pending then failure on a broken one`, async (t) => {
    const server = await startRecordingServer(t);
    server.defaultReply = { status: forge.ok?.status ?? 201, body: forge.ok?.body ?? '{}' };
    const fixed = forge.fixedOrigin;
    const notifier = providerFactories[forge.type]({
      type: forge.type,
      ...forge.config(server.url),
      ...(fixed
        ? { fetch: (url, init) => fetch(url.startsWith(fixed) ? server.url + url.slice(fixed.length) : url, init) }
        : {}),
    });
    const progressing = makeEvent({ reason: 'Progressing', message: `Applying revision main@sha1:${testSha}` });
    const states: unknown[] = [];
    for (const final of [makeEvent(), makeEvent({ severity: 'error', reason: 'HealthCheckFailed', message: 'x' })]) {
      for (const event of [progressing, final]) {
        server.reset();
        await notifier.post(event);
        const body = checkForge(forgeOperation(forge.type), apiPrefix(forge.type), server.requests);
        states.push(body.state);
      }
    }
    assert.deepEqual(states, expectedStates[forge.type]);
  });
}

const expectedStates: Record<string, string[]> = {
  github: ['pending', 'success', 'pending', 'failure'],
  gitlab: ['pending', 'success', 'pending', 'failed'],
  gitea: ['pending', 'success', 'pending', 'failure'],
  bitbucket: ['INPROGRESS', 'SUCCESSFUL', 'INPROGRESS', 'FAILED'],
  bitbucketserver: ['INPROGRESS', 'SUCCESSFUL', 'INPROGRESS', 'FAILED'],
  azuredevops: ['pending', 'succeeded', 'pending', 'error'],
};

function apiPrefix(type: string): string {
  return type === 'github' ? '/api/v3' : type === 'gitlab' ? '/api/v4' : type === 'gitea' ? '/api/v1' : '';
}

let github: ForgeOperation | undefined;
function forgeOperation(type: string): ForgeOperation {
  if (type === 'github') return (github ??= githubStatusOperation());
  return documentedForgeOperations[type] ?? assert.fail(`no documented shape for ${type}`);
}

void test('identical statuses are posted once; a change or a failed post is not remembered as sent', async (t) => {
  const server = await startRecordingServer(t);
  server.defaultReply = { status: 201, body: '{}' };
  const skipped: string[] = [];
  const memo = new CommitStatusMemo();
  const log = new CommitStatusLog();
  const make = () =>
    providerFactories.github({
      type: 'github',
      address: `${server.url}/org/app`,
      token: TOKEN,
      providerUid: PROVIDER_UID,
      providerName: 'gh',
      providerNamespace: 'flux-system',
      statusMemo: memo,
      statusLog: log,
      retry: { attempts: 1 },
      observer: { skipped: (_type, why) => void skipped.push(why) },
    });
  await make().post(makeEvent());
  await make().post(makeEvent()); // a new notifier sharing the memo, as a dispatcher would build per event
  assert.equal(server.requests.length, 1);
  assert.deepEqual(skipped, ['duplicate']);
  await make().post(makeEvent({ message: 'Reconciliation finished in 2.0s' }));
  assert.equal(server.requests.length, 2, 'a new description is a new status');
  server.replies.push({ status: 502 });
  await assert.rejects(make().post(makeEvent({ reason: 'Progressing', message: 'm' })));
  await make().post(makeEvent({ reason: 'Progressing', message: 'm' }));
  assert.equal(server.requests.length, 4, 'the failed post was retried by the next event');
  // The log holds what the forge accepted: no duplicate, no failed post, no token.
  const sent = log.list();
  assert.deepEqual(
    sent.map((s) => [s.state, s.description]),
    [
      ['pending', 'm'],
      ['success', 'Reconciliation finished in 2.0s'],
      ['success', makeEvent().message],
    ],
  );
  assert.deepEqual(sent[0]!.provider, { type: 'github', name: 'flux-system/gh' });
  assert.ok(!JSON.stringify(sent).includes(TOKEN));
});

void test('GitHub descriptions are cut to 140 characters and still match the OpenAPI schema', async (t) => {
  const server = await startRecordingServer(t);
  server.defaultReply = { status: 201, body: '{}' };
  const notifier = providerFactories.github({
    type: 'github',
    address: `${server.url}/org/app`,
    token: TOKEN,
    providerUid: PROVIDER_UID,
    targetUrl: 'https://driftless.example/ui/{kind}/{namespace}/{name}',
  });
  await notifier.post(makeEvent({ severity: 'error', reason: 'BuildFailed', message: 'é'.repeat(500) }));
  const body = checkForge(githubStatusOperation(), '/api/v3', server.requests);
  assert.equal([...String(body.description)].length, 140);
  assert.ok(String(body.description).endsWith('…'));
  assert.equal(body.target_url, 'https://driftless.example/ui/Kustomization/apps/webapp');
});

void test('events without a usable commit are InvalidEvent errors; nothing is sent', async (t) => {
  const server = await startRecordingServer(t);
  const notifier = providerFactories.gitea({
    type: 'gitea',
    address: `${server.url}/org/app`,
    token: TOKEN,
    providerUid: PROVIDER_UID,
  });
  const metadatas: Record<string, string>[] = [{}, { 'kustomize.toolkit.fluxcd.io/revision': 'sha256:abcdef' }];
  for (const metadata of metadatas) {
    await assert.rejects(notifier.post(makeEvent({ metadata })), (err: unknown) => {
      return err instanceof NotificationError && err.reason === NotificationReasons.InvalidEvent;
    });
  }
  assert.equal(server.requests.length, 0);
});

void test('commitStatusExpr sets the context; GitLab "Cannot transition status" counts as done', async (t) => {
  const server = await startRecordingServer(t);
  server.defaultReply = { status: 400, body: '{"message":"Cannot transition status via :enqueue from :pending"}' };
  const notifier = providerFactories.gitlab({
    type: 'gitlab',
    address: `${server.url}/group/app`,
    token: TOKEN,
    providerName: 'gitlab',
    commitStatusExpr:
      "(event.involvedObject.kind + '/' + event.involvedObject.name + '@' + alert.metadata.name).lowerAscii()",
  });
  await notifier.post(makeEvent({ reason: 'Progressing' }), { alert: { name: 'Prod', namespace: 'apps' } });
  assert.equal(jsonBody(server.requests[0]).name, 'kustomization/webapp@prod');
});

void test('providerAcceptsEvent applies Flux dispatch filters', () => {
  const g = 'kustomize.toolkit.fluxcd.io';
  const plain = makeEvent();
  const update = makeEvent({ metadata: { [`${g}/commit_status`]: 'update', [`${g}/revision`]: 'main@sha1:x' } });
  const merged = makeEvent({ metadata: { commit_status: 'update' } });
  const annotated = makeEvent({ metadata: { 'event.toolkit.fluxcd.io/commit': testSha } });
  const error = makeEvent({ severity: 'error' });
  // A change set (Progressing, like Flux) is not a commit status; the flagged start event is.
  const changeSet = makeEvent({ reason: 'Progressing', message: 'ConfigMap/apps/x created' });
  const started = makeEvent({ reason: 'Progressing', metadata: { [`${g}/commit_status`]: 'update' } });
  const accepts = (type: string) =>
    [plain, update, merged, annotated, error, changeSet, started].map((e) => providerAcceptsEvent(type, e));
  assert.deepEqual(accepts('github'), [false, true, true, true, true, false, true]);
  assert.deepEqual(accepts('slack'), [true, false, false, true, true, true, false]);
  assert.deepEqual(accepts('generic'), [true, true, true, true, true, true, true]);
  assert.equal(commitStateOf(started), 'pending');
});
