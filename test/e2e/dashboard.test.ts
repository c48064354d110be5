// The dashboard against a running engine on the local control plane: the API's counts match the
// cluster, the event stream pushes a new commit's revision, actions need a token whose user the
// cluster's RBAC allows (the engine runs with --web-auth=token, so loopback asks for tokens too), and HTML
// in an object's text is shown as text in a real browser (Debian's chromium driven by playwright-core;
// skipped, saying so, without it).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { ApiVersions } from '../../src/api/constants.ts';
import type { KubeObject } from '../../src/kube/types.ts';
import { gitRepoRef, gitRepository, ksRef, kustomization, startTestEnv, type TestEnv } from '../support/env.ts';
import { configMapsOnlyServiceAccount } from '../support/rbac.ts';

const ns = 'dashboard';
const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const screenshots = path.resolve('.testenv/screenshots');
// Kubernetes names cannot hold HTML, so it goes where user text reaches the page: a path that ends up
// in the Ready message.
const payload = `<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">`;
let env: TestEnv;
let web: string;

type Conditioned = KubeObject & {
  spec?: { suspend?: boolean };
  status?: { conditions?: { type: string; status: string }[] };
};

before(async () => {
  env = await startTestEnv({ config: { webAuth: 'token' } });
  web = env.engine!.webUrl!;
  assert.ok(web, 'the engine serves the dashboard');
  await env.namespace(ns);
  const url = await env.createRepo('dash', {
    'app/cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dash\n  namespace: ${ns}\ndata:\n  v: "1"\n`,
    'dep/cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dep\n  namespace: ${ns}\ndata:\n  v: "1"\n`,
  });
  await env.apply(gitRepository(ns, 'dash', url));
  await env.apply(kustomization(ns, 'app', 'dash', { path: './app' }));
  await env.apply(kustomization(ns, 'xss', 'dash', { path: `./${payload}` }));
  await env.apply(kustomization(ns, 'paused', 'dash', { path: './app', suspend: true }));
  await env.waitForReady(ksRef(ns, 'app'));
  await env.apply(kustomization(ns, 'after', 'dash', { path: './dep', dependsOn: [{ name: 'app' }] }));
  await env.waitForReady(ksRef(ns, 'after'));
  await env.waitForReady(ksRef(ns, 'xss'), { status: 'False' });
});
after(() => env?.stop());

interface KindCounts {
  kind: string;
  total: number;
  ready: number;
  failing: number;
  suspended: number;
}

/** Counted here from the API server, independently of the dashboard's own status rules. */
async function clusterCounts(apiVersion: string, kind: string): Promise<Omit<KindCounts, 'kind'>> {
  const items = (await env.client.list<Conditioned>(apiVersion, kind)).items;
  const ready = (o: Conditioned) => o.status?.conditions?.find((c) => c.type === 'Ready')?.status;
  // In the order the test compares them in.
  return {
    total: items.length,
    ready: items.filter((o) => o.spec?.suspend !== true && ready(o) === 'True').length,
    failing: items.filter((o) => o.spec?.suspend !== true && ready(o) === 'False').length,
    suspended: items.filter((o) => o.spec?.suspend === true).length,
  };
}

test('the overview counts match the cluster', async () => {
  for (const [apiVersion, kind] of [
    [ApiVersions.kustomize, 'Kustomization'],
    [ApiVersions.source, 'GitRepository'],
  ] as const) {
    let last = '';
    await env.waitFor(
      () => `${kind} counts to match the cluster (last: ${last})`,
      async () => {
        const overview = (await (await fetch(`${web}/api/overview`)).json()) as { kinds: KindCounts[] };
        const k = overview.kinds.find((x) => x.kind === kind);
        assert.ok(k, `${kind} is listed`);
        const got = { total: k.total, ready: k.ready, failing: k.failing, suspended: k.suspended };
        const want = await clusterCounts(apiVersion, kind);
        last = `dashboard ${JSON.stringify(got)}, cluster ${JSON.stringify(want)}`;
        return JSON.stringify(got) === JSON.stringify(want);
      },
    );
  }
  const ks = (await (await fetch(`${web}/api/overview`)).json()) as { kinds: KindCounts[] };
  const counts = ks.kinds.find((x) => x.kind === 'Kustomization')!;
  assert.ok(counts.ready >= 1 && counts.failing >= 1 && counts.suspended >= 1, JSON.stringify(counts));
  const list = (await (await fetch(`${web}/api/objects?namespace=${ns}&status=failing`)).json()) as {
    items: { name: string; message: string }[];
  };
  assert.deepEqual(
    list.items.map((r) => r.name),
    ['xss'],
  );
  const page = (await (await fetch(`${web}/api/objects/Kustomization/${ns}/app`)).json()) as {
    inventory: { nodes: { kind: string; name: string; health: string }[]; errors: string[] };
    sourceChain: { kind: string; name: string; status: string; revision: string }[];
    activity: { source: string; title: string }[];
    eventsFrom: string;
    history: unknown[];
    conditions: { type: string }[];
  };
  // The applied ConfigMap with its kstatus health, read from the API server.
  assert.deepEqual(
    page.inventory.nodes.map((e) => `${e.kind}/${e.name} ${e.health}`),
    ['ConfigMap/dash Ready'],
  );
  assert.deepEqual(page.inventory.errors, []);
  assert.deepEqual(
    page.sourceChain.map((l) => `${l.kind}/${l.name} ${l.status}`),
    ['GitRepository/dash ready'],
  );
  assert.match(page.sourceChain[0]!.revision, /^main@sha1:[0-9a-f]{40}$/);
  assert.equal(page.eventsFrom, 'api-server');
  assert.ok(
    page.activity.some((a) => a.source === 'event'),
    JSON.stringify(page.activity),
  );
  assert.ok(page.history.length >= 1 && page.conditions.some((c) => c.type === 'Ready'));
});

test('the event stream delivers the new revision when a commit is applied', async () => {
  const abort = new AbortController();
  const res = await fetch(`${web}/api/events/stream`, { signal: abort.signal });
  assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let seen = '';
  const readUntil = async (done: () => boolean): Promise<void> => {
    while (!done()) {
      const chunk = await reader.read();
      if (chunk.done) throw new Error(`stream ended; seen: ${seen.slice(-2000)}`);
      seen += decoder.decode(chunk.value);
    }
  };
  const timer = setTimeout(() => abort.abort(), 90_000);
  try {
    await readUntil(() => seen.includes('event: hello'));
    const sha = await env.commit('dash', {
      'app/cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dash\n  namespace: ${ns}\ndata:\n  v: "2"\n`,
    });
    await env.client.patch(gitRepoRef(ns, 'dash'), {
      metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': new Date().toISOString() } },
    });
    // A frame for the Kustomization `app`, ready at the new commit's revision.
    const frameFor = (): boolean =>
      seen.split('\n\n').some((frame) => {
        if (!frame.startsWith('event: objects')) return false;
        const changes = JSON.parse(frame.slice(frame.indexOf('data: ') + 6)) as {
          row: { kind: string; name: string; revision: string; status: string };
        }[];
        return changes.some(
          (c) =>
            c.row.kind === 'Kustomization' &&
            c.row.name === 'app' &&
            c.row.revision.includes(sha) &&
            c.row.status === 'ready',
        );
      });
    await readUntil(frameFor);
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
});

test('the graph links sources and dependsOn; the timeline follows a revision from commit to healthy', async () => {
  const graph = (await (await fetch(`${web}/api/graph?namespace=${ns}`)).json()) as {
    nodes: { id: string; status: string }[];
    edges: { from: string; to: string; type: string }[];
  };
  const edges = graph.edges.map((e) => `${e.from} ${e.type} ${e.to}`);
  assert.ok(edges.includes(`Kustomization/${ns}/app source GitRepository/${ns}/dash`), edges.join('\n'));
  assert.ok(edges.includes(`Kustomization/${ns}/after dependsOn Kustomization/${ns}/app`), edges.join('\n'));
  assert.equal(graph.nodes.find((n) => n.id === `Kustomization/${ns}/xss`)?.status, 'failing');

  // The commit of the stream test went through every step, each seen by this engine.
  const repo = await env.client.get<KubeObject & { status?: { artifact?: { revision: string } } }>(
    gitRepoRef(ns, 'dash'),
  );
  const revision = repo!.status!.artifact!.revision;
  let last = '';
  await env.waitFor(
    () => `a timeline row for ${revision} with every step (last: ${last})`,
    async () => {
      const page = (await (await fetch(`${web}/api/objects/Kustomization/${ns}/app`)).json()) as {
        timeline: {
          revision: string;
          committedAt?: string;
          fetchedAt?: string;
          appliedAt?: string;
          healthyAt?: string;
        }[];
      };
      const row = page.timeline.find((r) => r.revision === revision);
      last = JSON.stringify(page.timeline);
      if (!row?.committedAt || !row.fetchedAt || !row.appliedAt || !row.healthyAt) return false;
      const t = [row.committedAt, row.fetchedAt, row.appliedAt, row.healthyAt].map((x) => Date.parse(x));
      // In order (commit times have one-second resolution).
      assert.ok(t[0]! <= t[1]! + 1000 && t[1]! <= t[2]! + 1000 && t[2]! <= t[3]! + 1000, last);
      return true;
    },
  );
});

/** A token for a ServiceAccount, from the TokenRequest API (what `kubectl create token` asks). */
async function serviceAccountToken(namespace: string, name: string): Promise<string> {
  const path = await env.client.path({ apiVersion: 'v1', kind: 'ServiceAccount', namespace, name }, 'token');
  const answer = await env.client.transport.send<{ status: { token: string } }>({
    method: 'POST',
    path,
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } },
  });
  return answer.status.token;
}

/** `operator` may patch Kustomizations and GitRepositories in the namespace; `viewer` may only change ConfigMaps. */
async function tokens(): Promise<{ operator: string; viewer: string }> {
  await configMapsOnlyServiceAccount(env, ns, 'viewer', 'viewer-configmaps');
  await env.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'operator', namespace: ns } });
  await env.apply({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'flux-operator', namespace: ns },
    rules: [
      {
        apiGroups: ['kustomize.toolkit.fluxcd.io', 'source.toolkit.fluxcd.io'],
        resources: ['kustomizations', 'gitrepositories'],
        verbs: ['get', 'list', 'watch', 'patch'],
      },
    ],
  });
  await env.apply({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'operator-flux', namespace: ns },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'flux-operator' },
    subjects: [{ kind: 'ServiceAccount', name: 'operator', namespace: ns }],
  });
  return { operator: await serviceAccountToken(ns, 'operator'), viewer: await serviceAccountToken(ns, 'viewer') };
}

let operatorToken = '';

test('a reconcile needs a token whose user RBAC allows: none is 401, a viewer 403, an operator succeeds as itself', async () => {
  const { operator, viewer } = await tokens();
  operatorToken = operator;
  const act = async (token: string | undefined, body: object = {}) =>
    await fetch(`${web}/api/objects/Kustomization/${ns}/app/reconcile`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
  assert.equal((await act(undefined)).status, 401);
  assert.equal((await act('not-a-token')).status, 401);
  const refused = await act(viewer);
  const refusal = (await refused.json()) as { error: string };
  assert.equal(refused.status, 403, refusal.error);
  assert.match(refusal.error, new RegExp(`system:serviceaccount:${ns}:viewer may not patch kustomizations`));
  const before = await env.client.get<Conditioned>(ksRef(ns, 'app'));
  assert.equal(before?.metadata.annotations?.['reconcile.fluxcd.io/requestedAt'], undefined);

  const ok = await act(operator, { withSource: true });
  const answer = (await ok.json()) as { requestedAt: string; as: string; error?: string };
  assert.equal(ok.status, 200, answer.error);
  assert.equal(answer.as, `system:serviceaccount:${ns}:operator`);
  for (const ref of [ksRef(ns, 'app'), gitRepoRef(ns, 'dash')]) {
    const obj = await env.client.get<Conditioned>(ref);
    assert.equal(obj?.metadata.annotations?.['reconcile.fluxcd.io/requestedAt'], answer.requestedAt);
  }
  // The controller handles the request (echoes the token).
  await env.waitFor(
    () => 'the Kustomization to handle the dashboard reconcile request',
    async () => {
      const ks = await env.client.get<Conditioned & { status?: { lastHandledReconcileAt?: string } }>(ksRef(ns, 'app'));
      return ks?.status?.lastHandledReconcileAt === answer.requestedAt;
    },
  );
  // The viewer may not suspend either; nothing changed.
  const suspend = await fetch(`${web}/api/objects/Kustomization/${ns}/app/suspend`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${viewer}` },
    body: '{}',
  });
  assert.equal(suspend.status, 403);
  assert.notEqual((await env.client.get<Conditioned>(ksRef(ns, 'app')))?.spec?.suspend, true);
});

test('a kubectl edit of an applied object appears in the drift log: field, field manager, when reverted', async () => {
  const kubectl = path.join(homedir(), '.cache/driftless/bin/kubectl');
  // kubectl edit runs $KUBE_EDITOR on the object's YAML: this one changes the value as a person would.
  const editor = path.join(env.tmp, 'edit.sh');
  await writeFile(editor, `#!/bin/sh\nsed -i 's/^  v: .*/  v: edited-by-hand/' "$1"\n`, { mode: 0o755 });
  const edit = spawnSync(kubectl, ['--kubeconfig', env.kubeconfigPath, 'edit', 'configmap', 'dash', '-n', ns], {
    env: { ...process.env, KUBE_EDITOR: editor },
    encoding: 'utf8',
  });
  assert.equal(edit.status, 0, edit.stderr);
  let last = '';
  await env.waitFor(
    () => `the edit in the drift log (last: ${last})`,
    async () => {
      const page = (await (await fetch(`${web}/api/objects/Kustomization/${ns}/app`)).json()) as {
        drift: { subject: string; by: string; fields: string[]; correctedAt: string; change: string }[];
      };
      last = JSON.stringify(page.drift);
      return page.drift.some(
        (d) =>
          d.subject === `ConfigMap/${ns}/dash` &&
          d.by === 'kubectl-edit' &&
          d.change === 'modified' &&
          d.fields.includes('/data/v') &&
          Boolean(d.correctedAt),
      );
    },
  );
  // And it was reverted.
  const cm = await env.client.get<KubeObject & { data?: Record<string, string> }>({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    namespace: ns,
    name: 'dash',
  });
  assert.notEqual(cm?.data?.['v'], 'edited-by-hand');
});

test(
  'HTML in an object is shown as text in the browser; screenshots of each page',
  { skip: chromium ? false : 'no chromium (apt-get install chromium)' },
  async () => {
    const { chromium: pw } = await import('playwright-core');
    const browser = await pw.launch({ executablePath: chromium!, args: ['--no-sandbox'] });
    await mkdir(screenshots, { recursive: true });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${web}/#/`);
      await page.locator('.kind-card[data-kind="Kustomization"]').waitFor();
      await page.locator('.conn-live').waitFor();
      await page.screenshot({ path: path.join(screenshots, 'overview.png'), fullPage: true });

      await page.goto(`${web}/#/objects?namespace=${ns}`);
      const row = page.locator('tr[data-name="xss"]');
      await row.waitFor();
      await page.screenshot({ path: path.join(screenshots, 'objects.png'), fullPage: true });
      // The message is the literal text, and nothing of it ran or became an element.
      assert.ok((await row.locator('td.message').textContent())?.includes('<script>window.__pwned=1</script>'));
      assert.equal(await row.locator('script, img').count(), 0);

      await page.goto(`${web}/#/object/Kustomization/${ns}/xss`);
      await page.locator('.conditions li[data-type="Ready"]').waitFor();
      assert.ok((await page.locator('.conditions').textContent())?.includes(payload));
      assert.equal(await page.locator('main script, main img').count(), 0);
      await page.goto(`${web}/#/object/Kustomization/${ns}/app`);
      await page.locator('.history tbody tr').first().waitFor();
      await page.locator(`.drift tr[data-subject="ConfigMap/${ns}/dash"] .by`).waitFor();
      // The inventory tree says each object's health in words; the source chain links the GitRepository.
      await page.locator(`.tree li[data-node="ConfigMap ${ns}/dash"] [data-health="Ready"]`).waitFor();
      await page
        .locator(`.source-chain li[data-kind="GitRepository"] a[href="#/object/GitRepository/${ns}/dash"]`)
        .waitFor();
      await page.locator('.activity li[data-source="event"]').first().waitFor();
      await page.screenshot({ path: path.join(screenshots, 'object.png'), fullPage: true });

      await page.locator('.timeline li[data-revision] .step.done').first().waitFor();

      await page.goto(`${web}/#/graph?namespace=${ns}`);
      await page.locator(`.node[data-id="Kustomization/${ns}/after"]`).waitFor();
      assert.match((await page.locator('.graph-edges').textContent()) ?? '', /waits for Kustomization dashboard\/app/);
      await page.screenshot({ path: path.join(screenshots, 'graph.png'), fullPage: true });
      await page.goto(`${web}/#/object/Kustomization/${ns}/app`);
      await page.locator('.history tbody tr').first().waitFor();

      // The buttons act as the signed-in user: sign in with the operator's token, reconcile.
      assert.ok(operatorToken, 'the action test ran first and made a token');
      assert.equal(await page.getByRole('button', { name: 'Reconcile', exact: true }).isDisabled(), true);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByLabel('Kubernetes token').fill(operatorToken);
      await page.locator('.signin-form button[type="submit"]').click();
      await page.locator('.signin .user').waitFor();
      assert.equal(await page.locator('.signin .user').textContent(), `system:serviceaccount:${ns}:operator`);
      const before = (await env.client.get<Conditioned>(ksRef(ns, 'app')))?.metadata.annotations?.[
        'reconcile.fluxcd.io/requestedAt'
      ];
      await page.getByRole('button', { name: 'Reconcile', exact: true }).click();
      await page.locator('.action-ok').waitFor();
      const after = (await env.client.get<Conditioned>(ksRef(ns, 'app')))?.metadata.annotations?.[
        'reconcile.fluxcd.io/requestedAt'
      ];
      assert.ok(after && after !== before, `requestedAt ${before} → ${after}`);
      assert.match(
        (await page.locator('.action-ok').textContent()) ?? '',
        /as system:serviceaccount:dashboard:operator/,
      );
      assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
      assert.deepEqual(errors, []);

      const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
      await phone.goto(`${web}/#/objects?namespace=${ns}`);
      await phone.locator('tr[data-name="app"]').waitFor();
      // At phone width the table is a column of cards: nothing overflows sideways.
      const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `page is ${overflow}px wider than the phone`);
      await phone.screenshot({ path: path.join(screenshots, 'objects-phone.png'), fullPage: true });
      // The README shows these: refreshed on request only, so a test run never dirties the tree.
      if (process.env['UPDATE_DOCS_SCREENSHOTS'] === '1')
        for (const name of ['overview', 'object', 'graph'])
          await copyFile(path.join(screenshots, `${name}.png`), path.resolve(`docs/dashboard-${name}.png`));
    } finally {
      await browser.close();
    }
  },
);
