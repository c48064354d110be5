// Commit statuses, chat/webhook notifications and receivers, end to end from real Git pushes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { Groups } from '../../src/api/constants.ts';
import { NotificationVersions } from '../../src/api/notification.ts';
import {
  documentedForgeOperations,
  githubStatusOperation,
  validate,
  type ForgeOperation,
} from '../../src/notify/providers/test-forge-shapes.ts';
import { CommentForgeStandIn, type CommentForgeKind } from '../../src/notify/providers/test-comment-forge.ts';
import { cached } from '../support/engine-state.ts';
import { gitRepoRef, gitRepository, ksRef, kustomization, startTestEnv, type TestEnv } from '../support/env.ts';

let env: TestEnv;
let forge: Server;
let forgeUrl = '';
const ns = 'notify';
const calls: {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
  problems: string[];
}[] = [];
// Each forge the test server stands in for: its API prefix, its documented request shape, and the
// states it uses for pending / success / failure.
const forges: { type: string; prefix: string; op: ForgeOperation; states: [string, string, string] }[] = [
  { type: 'github', prefix: '/api/v3', op: githubStatusOperation(), states: ['pending', 'success', 'failure'] },
  {
    type: 'gitlab',
    prefix: '/api/v4',
    op: documentedForgeOperations['gitlab']!,
    states: ['pending', 'success', 'failed'],
  },
  {
    type: 'gitea',
    prefix: '/api/v1',
    op: documentedForgeOperations['gitea']!,
    states: ['pending', 'success', 'failure'],
  },
  {
    type: 'bitbucketserver',
    prefix: '',
    op: documentedForgeOperations['bitbucketserver']!,
    states: ['INPROGRESS', 'SUCCESSFUL', 'FAILED'],
  },
];
// Pull/merge request comments go to a stateful stand-in of each forge's comment API.
const comments = new CommentForgeStandIn();
const commentForges: { type: string; kind: CommentForgeKind; prefix: string }[] = [
  { type: 'githubpullrequestcomment', kind: 'github', prefix: '/api/v3' },
  { type: 'gitlabmergerequestcomment', kind: 'gitlab', prefix: '/api/v4' },
  { type: 'giteapullrequestcomment', kind: 'gitea', prefix: '/api/v1' },
];
const commentProblems: string[] = [];
const commentForgeOf = (path: string) =>
  commentForges.find((f) => path.startsWith(`${f.prefix}/`) && /\/(user|issues|merge_requests)(\/|$|\?)/.test(path));
const forgeOf = (path: string) =>
  forges.find((f) => path.startsWith(f.prefix) && f.op.path.test(path.slice(f.prefix.length)));
const cm = (name: string, value: string): string =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${ns}\ndata:\n  value: "${value}"\n`;
const statusesFor = (type: string, sha: string) =>
  calls.filter((c) => c.path.includes(sha) && forgeOf(c.path)?.type === type).map((c) => c.body);
const stateOf = (b: Record<string, unknown>) => String(b['state']);

before(async () => {
  forge = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const body = (raw ? JSON.parse(raw) : {}) as Record<string, unknown>;
      const path = req.url ?? '';
      const cf = commentForgeOf(path);
      if (cf) {
        const a = comments.handle(cf.kind, req.method ?? '', path.slice(cf.prefix.length), raw ? body : undefined);
        commentProblems.push(...a.problems.map((p) => `${req.method} ${path}: ${p}`));
        res.writeHead(a.status, { 'content-type': 'application/json' }).end(JSON.stringify(a.body));
        return;
      }
      const forge = forgeOf(path);
      const problems = forge ? validate(forge.op.body, body) : [];
      calls.push({ method: req.method ?? '', path, headers: req.headers, body, problems });
      res.writeHead(problems.length ? 422 : 201, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => forge.listen(0, '127.0.0.1', () => r()));
  forgeUrl = `http://127.0.0.1:${(forge.address() as { port: number }).port}`;

  env = await startTestEnv();
  await env.namespace(ns);
  await env.apply({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'forge-token', namespace: ns },
    stringData: { token: 'ghp_not-a-real-token' },
  });
  await env.apply({
    apiVersion: 'notification.toolkit.fluxcd.io/v1beta3',
    kind: 'Provider',
    metadata: { name: 'github', namespace: ns },
    spec: { type: 'github', address: `${forgeUrl}/org/app`, secretRef: { name: 'forge-token' } },
  });
  await env.apply({
    apiVersion: 'notification.toolkit.fluxcd.io/v1beta3',
    kind: 'Provider',
    metadata: { name: 'webhook', namespace: ns },
    spec: { type: 'generic', address: `${forgeUrl}/generic-hook` },
  });
  for (const f of forges.filter((f) => f.type !== 'github')) {
    const secret = f.type === 'bitbucketserver' ? 'forge-basic' : 'forge-token';
    await env.apply({
      apiVersion: 'notification.toolkit.fluxcd.io/v1beta3',
      kind: 'Provider',
      metadata: { name: f.type, namespace: ns },
      spec: { type: f.type, address: `${forgeUrl}/org/app`, secretRef: { name: secret } },
    });
  }
  for (const f of commentForges) {
    await env.apply({
      apiVersion: 'notification.toolkit.fluxcd.io/v1beta3',
      kind: 'Provider',
      metadata: { name: f.type, namespace: ns },
      spec: { type: f.type, address: `${forgeUrl}/org/app`, secretRef: { name: 'forge-token' } },
    });
  }
  await env.apply({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'forge-basic', namespace: ns },
    stringData: { username: 'bot', password: 'not-a-real-password' },
  });
  for (const provider of [...forges.map((f) => f.type), ...commentForges.map((f) => f.type), 'webhook']) {
    await env.apply({
      apiVersion: 'notification.toolkit.fluxcd.io/v1beta3',
      kind: 'Alert',
      metadata: { name: provider, namespace: ns },
      spec: {
        providerRef: { name: provider },
        eventSeverity: 'info',
        eventSources: [
          { kind: 'Kustomization', name: '*' },
          { kind: 'GitRepository', name: '*' },
        ],
      },
    });
  }
  // The dispatcher matches events against its caches of Alerts and Providers: wait until they hold
  // what was applied before the first events are recorded.
  const engine = env.engine!;
  const apiVersion = `${Groups.notification}/${NotificationVersions.providerAlert}`;
  const applied = [...forges, ...commentForges].map((f) => f.type).concat('webhook');
  await env.waitFor('the engine to cache every Alert and Provider', async () => {
    for (const kind of ['Alert', 'Provider']) {
      for (const name of applied) {
        const ref = { apiVersion, kind, namespace: ns, name };
        const inCluster = await env.get(ref);
        if (!inCluster || cached(engine, ref)?.metadata.resourceVersion !== inCluster.metadata.resourceVersion) {
          return false;
        }
      }
    }
    return true;
  });
  await env.createRepo('app', { 'cm.yaml': cm('app', '1') });
  await env.apply(gitRepository(ns, 'app', env.git.repoUrl('app'), { interval: '1h' }));
  // The Kustomization belongs to pull request 7: the comment providers report on it there.
  const ks = kustomization(ns, 'app', 'app');
  ks.metadata.annotations = { 'event.toolkit.fluxcd.io/change_request': '7' };
  await env.apply(ks);
});
after(async () => {
  await env?.stop();
  await new Promise((r) => forge?.close(r));
});

test('a good commit gets pending then success on every forge, each request valid per the forge API description', async () => {
  const ks = await env.waitForReady(ksRef(ns, 'app'));
  const sha = String(ks.status?.['lastAppliedRevision']).split(':')[1]!;
  for (const f of forges) {
    const statuses = await env.waitFor(`${f.type}: pending and success statuses`, async () => {
      const st = statusesFor(f.type, sha);
      return st.some((b) => stateOf(b) === f.states[1]) ? st : undefined;
    });
    assert.deepEqual(statuses.map(stateOf), [f.states[0], f.states[1]], f.type);
  }
  const provider = await env.get({
    apiVersion: 'notification.toolkit.fluxcd.io/v1beta3',
    kind: 'Provider',
    namespace: ns,
    name: 'github',
  });
  assert.equal(
    statusesFor('github', sha)[1]?.['context'],
    `kustomization/app/${String(provider?.metadata.uid).split('-')[0]}`,
  );
  for (const c of calls.filter((c) => forgeOf(c.path))) {
    assert.deepEqual(c.problems, [], `request ${c.path} matches the documented shape`);
    assert.ok(!JSON.stringify(c.body).includes('not-a-real'), 'no secret in a request body');
  }
  const gh = calls.find((c) => forgeOf(c.path)?.type === 'github');
  assert.equal(gh?.headers['authorization'], 'Bearer ghp_not-a-real-token');
  // The dashboard's page of the Kustomization lists the statuses the forges accepted, on its timeline
  // (recorded once the forge has answered, so waited for).
  type Page = {
    commitStatuses: { sha: string; state: string; provider: { type: string; name: string } }[];
    activity: { source: string; title: string }[];
  };
  const github = (p: Page) => p.commitStatuses.filter((s) => s.provider.type === 'github' && s.sha === sha);
  const page = await env.waitFor('the dashboard to list the two GitHub statuses', async () => {
    const p = (await (await fetch(`${env.engine!.webUrl}/api/objects/Kustomization/${ns}/app`)).json()) as Page;
    return github(p).length >= 2 ? p : undefined;
  });
  assert.deepEqual(
    github(page).map((s) => [s.state, s.provider.name]),
    [
      ['success', `${ns}/github`],
      ['pending', `${ns}/github`],
    ],
  );
  assert.ok(
    page.activity.some((a) => a.source === 'commit-status' && a.title === `commit ${sha.slice(0, 12)} success`),
  );
  assert.ok(!JSON.stringify(page).includes('not-a-real'), 'no secret on the page');
});

test('a broken commit gets pending then failure on every forge', async () => {
  const sha = await env.commit('app', { 'cm.yaml': 'kind: [broken\n' }, 'break it');
  await env.client.patch(gitRepoRef(ns, 'app'), {
    metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': 'broken' } },
  });
  for (const f of forges) {
    const statuses = await env.waitFor(`${f.type}: a failure status`, async () => {
      const st = statusesFor(f.type, sha);
      return st.some((b) => stateOf(b) === f.states[2]) ? st : undefined;
    });
    assert.deepEqual(statuses.map(stateOf), [f.states[0], f.states[2]], f.type);
  }
  assert.ok(String(statusesFor('github', sha)[1]?.['description']).length <= 140);
});

test('each change request comment provider keeps one comment per object on the pull request, edited in place', async () => {
  for (const f of commentForges) {
    const thread = await env.waitFor(`${f.type}: the comment shows the failure`, async () => {
      const t = comments.thread(f.kind, 7);
      return t.some((c) => c.body.includes('⚠️ Kustomization/notify/app')) ? t : undefined;
    });
    assert.equal(thread.length, 1, `${f.type}: one comment for Kustomization/notify/app, none for the GitRepository`);
    assert.match(
      thread[0]!.body,
      /^<!-- flux-(pr|mr)-comment-key:[0-9a-f-]{36}\/Kustomization\/notify\/app -->\n\n## Flux Status\n\n/,
    );
    assert.match(thread[0]!.body, /\* `revision`: main@sha1:[0-9a-f]{40}\n/);
    assert.ok(!thread[0]!.body.includes('change_request'));
  }
  assert.deepEqual(commentProblems, [], 'every comment request matches the forge API description');
});

test('the generic webhook receives Flux-shaped events', async () => {
  const hooks = await env.waitFor('generic webhook calls', async () => {
    const h = calls.filter((c) => c.path === '/generic-hook');
    return h.some((c) => c.body['reason'] === 'NewArtifact') && h.some((c) => c.body['reason'] === 'BuildFailed')
      ? h
      : undefined;
  });
  const event = hooks.find((c) => c.body['reason'] === 'BuildFailed')!;
  assert.equal(event.headers['gotk-component'], 'kustomize-controller');
  assert.equal(event.body['severity'], 'error');
  assert.deepEqual(Object.keys(event.body['involvedObject'] as object).sort(), [
    'apiVersion',
    'kind',
    'name',
    'namespace',
    'uid',
  ]);
  assert.match(String((event.body['metadata'] as Record<string, string>)['revision']), /^main@sha1:/);
  assert.equal(event.body['reportingController'], 'kustomize-controller');
  assert.ok(!JSON.stringify(hooks.map((h) => h.body)).includes('ghp_not-a-real-token'), 'no secret in any event');
});

test('a GitHub-style push webhook makes the new revision apply at once (interval is 1h)', async () => {
  await env.apply({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'hook-token', namespace: ns },
    stringData: { token: 'hook-secret' },
  });
  await env.apply({
    apiVersion: 'notification.toolkit.fluxcd.io/v1',
    kind: 'Receiver',
    metadata: { name: 'github', namespace: ns },
    spec: {
      type: 'github',
      events: ['push'],
      secretRef: { name: 'hook-token' },
      resources: [{ kind: 'GitRepository', name: 'app' }],
    },
  });
  const receiver = await env.waitForReady({
    apiVersion: 'notification.toolkit.fluxcd.io/v1',
    kind: 'Receiver',
    namespace: ns,
    name: 'github',
  });
  const path = String(receiver.status?.['webhookPath']);
  assert.match(path, /^\/hook\/[0-9a-f]{64}$/);
  const sha = await env.commit('app', { 'cm.yaml': cm('app', 'via-webhook') }, 'fix it');
  const body = JSON.stringify({ ref: 'refs/heads/main', after: sha });
  const post = (signature: string) =>
    fetch(`${env.engine!.receiverUrl}${path}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': signature },
    });
  const bad = await post('sha256=' + '0'.repeat(64));
  assert.equal(bad.status, 400);
  const good = await post('sha256=' + createHmac('sha256', 'hook-secret').update(body).digest('hex'));
  assert.equal(good.status, 200);
  await env.waitForReady(ksRef(ns, 'app'), { messageIncludes: sha }, 30_000);
  const metrics = await (await fetch(`${env.engine!.manager.metricsUrl}/metrics`)).text();
  assert.match(metrics, /driftless_receiver_requests_total\{type="github",result="accepted",reason=""\} 1/);
  assert.match(
    metrics,
    /driftless_receiver_requests_total\{type="github",result="rejected",reason="validation_failed"\} 1/,
  );
  for (const f of forges) {
    assert.match(
      metrics,
      new RegExp(`driftless_notification_delivery_total\\{type="${f.type}",result="sent"\\} [1-9]`),
    );
  }
});

test('the HTTP event intake accepts events from a Flux controller and rejects malformed ones', async () => {
  const event = {
    involvedObject: {
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      name: 'app',
      namespace: ns,
      uid: 'x',
    },
    severity: 'info',
    timestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    message: 'from an external controller',
    reason: 'Info',
    metadata: {},
    reportingController: 'kustomize-controller',
    reportingInstance: 'elsewhere',
  };
  const send = (b: string) =>
    fetch(`${env.engine!.eventsUrl}/`, { method: 'POST', body: b, headers: { 'content-type': 'application/json' } });
  assert.equal((await send(JSON.stringify(event))).status, 202);
  assert.equal((await send(JSON.stringify(event))).status, 429, 'a duplicate is rate-limited');
  assert.equal((await send('{not json')).status, 400);
  await env.waitFor('the external event to reach the webhook provider', async () =>
    calls.some((c) => c.path === '/generic-hook' && c.body['message'] === 'from an external controller'),
  );
});
