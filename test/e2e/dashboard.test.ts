// The dashboard against a running engine on the local control plane: the API's counts match the
// cluster, the event stream pushes a new commit's revision, and HTML in an object's text is shown as
// text in a real browser (Debian's chromium driven by playwright-core; skipped, saying so, without it).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { ApiVersions } from '../../src/api/constants.ts';
import type { KubeObject } from '../../src/kube/types.ts';
import { gitRepoRef, gitRepository, ksRef, kustomization, startTestEnv, type TestEnv } from '../support/env.ts';

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
  env = await startTestEnv();
  web = env.engine!.webUrl!;
  assert.ok(web, 'the engine serves the dashboard');
  await env.namespace(ns);
  const url = await env.createRepo('dash', {
    'app/cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dash\n  namespace: ${ns}\ndata:\n  v: "1"\n`,
  });
  await env.apply(gitRepository(ns, 'dash', url));
  await env.apply(kustomization(ns, 'app', 'dash', { path: './app' }));
  await env.apply(kustomization(ns, 'xss', 'dash', { path: `./${payload}` }));
  await env.apply(kustomization(ns, 'paused', 'dash', { path: './app', suspend: true }));
  await env.waitForReady(ksRef(ns, 'app'));
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
    inventory: { kind: string; name: string }[];
    history: unknown[];
    conditions: { type: string }[];
  };
  assert.deepEqual(
    page.inventory.map((e) => `${e.kind}/${e.name}`),
    ['ConfigMap/dash'],
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
      await page.screenshot({ path: path.join(screenshots, 'object.png'), fullPage: true });
      assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
      assert.deepEqual(errors, []);

      const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
      await phone.goto(`${web}/#/objects?namespace=${ns}`);
      await phone.locator('tr[data-name="app"]').waitFor();
      // At phone width the table is a column of cards: nothing overflows sideways.
      const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `page is ${overflow}px wider than the phone`);
      await phone.screenshot({ path: path.join(screenshots, 'objects-phone.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  },
);
