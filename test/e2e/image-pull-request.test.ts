// Pull-request mode of the image automation (beyond Flux) end to end: a real registry, the local Git
// server, and a stand-in of the GitHub, GitLab and Gitea pull request APIs that checks every call
// against the forge's API description. The update goes to its own branch, one request is opened and kept
// up to date (never a second one), main is untouched until the request is merged, and then the
// Kustomization applies the new image; the other forges' requests, stale after that merge, are closed.
// A Provider that cannot open requests is refused by name.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { KubeObject } from '../../src/kube/types.ts';
import { fetchRevision } from '../../src/sources/git/fetch-revision.ts';
import { listRemoteRefs } from '../../src/sources/git/list-remote-refs.ts';
import { PullRequestForgeStandIn } from '../../src/notify/providers/test-pull-request-forge.ts';
import {
  GIT_PASSWORD,
  GIT_USER,
  gitRepoRef,
  gitRepository,
  kustomization,
  ksRef,
  ref,
  startTestEnv,
  type TestEnv,
} from '../support/env.ts';
import { eventsOf, imageApiVersion, pushTags, readyOf, requestReconcile, type Obj } from '../support/images.ts';
import { startTestRegistry, type TestRegistry } from '../support/oci-registry.ts';

const ns = 'prmode';
const TOKEN = 'forge-token-for-pull-requests-99';
let env: TestEnv;
let registry: TestRegistry;
let forge: PullRequestForgeStandIn;
let repoUrl: string;
const auth = { username: GIT_USER, password: GIT_PASSWORD };
const autoRef = (name: string) => ref(imageApiVersion, 'ImageUpdateAutomation', ns, name);

const configMap = (image: string) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: web-image
  namespace: prmode
data:
  image: ${image}:1.0.0 # {"$imagepolicy": "prmode:web"}
`;

before(async () => {
  env = await startTestEnv();
  forge = new PullRequestForgeStandIn(TOKEN);
  [registry] = await Promise.all([startTestRegistry(), forge.listen()]);
  await env.namespace(ns);
  repoUrl = await env.createRepo('prmode', {
    'deploy/kustomization.yaml':
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - configmap.yaml\n',
    'deploy/configmap.yaml': configMap(`${registry.host}/apps/web`),
  });
  await env.apply({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'forge-token', namespace: ns },
    stringData: { token: TOKEN },
  } as KubeObject);
  for (const type of ['github', 'gitlab', 'gitea', 'slack'])
    await env.apply({
      apiVersion: 'notification.toolkit.fluxcd.io/v1beta3',
      kind: 'Provider',
      metadata: { name: type, namespace: ns },
      spec: {
        type,
        address: type === 'slack' ? `${forge.url}/hook` : `${forge.url}/org/app`,
        secretRef: { name: 'forge-token' },
      },
    });
});
after(async () => {
  await Promise.all([registry?.stop(), forge?.close()]);
  await env?.stop();
});

const automation = (name: string, provider: string, push?: string): KubeObject => ({
  apiVersion: imageApiVersion,
  kind: 'ImageUpdateAutomation',
  metadata: { name, namespace: ns, annotations: { 'driftless.dev/pull-request-provider': provider } },
  spec: {
    interval: '10m',
    sourceRef: { kind: 'GitRepository', name: 'prmode' },
    git: {
      checkout: { ref: { branch: 'main' } },
      commit: { author: { name: 'Flux Bot', email: 'flux@example.com' }, messageTemplate: 'Update web images' },
      ...(push ? { push: { branch: push } } : {}),
    },
    update: { strategy: 'Setters', path: './deploy' },
  },
});

const head = async (branch: string) =>
  (await listRemoteRefs({ url: repoUrl, auth, kind: 'heads' })).find((r) => r.name === `refs/heads/${branch}`)?.sha;

async function fileAt(branch: string, file: string): Promise<string> {
  const dir = await mkdtemp(path.join(env.tmp, 'clone-'));
  await fetchRevision({ url: repoUrl, auth, ref: { branch }, dir });
  return readFile(path.join(dir, file), 'utf8');
}

/** The forge merges: main moves to the request's branch head (a fast-forward). */
async function mergeIntoMain(branch: string): Promise<void> {
  const dir = await mkdtemp(path.join(env.tmp, 'merge-'));
  const url = new URL(repoUrl);
  url.username = GIT_USER;
  url.password = GIT_PASSWORD;
  const git = (args: string[]) =>
    promisify(execFile)('git', args, { env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
  await git(['clone', '-q', '--branch', branch, url.toString(), dir]);
  await git(['-C', dir, 'push', '-q', 'origin', `${branch}:refs/heads/main`]);
}

void test('the update goes to its own branch and one pull request per forge lists it; a newer tag updates it; the merge is applied', async () => {
  const image = `${registry.host}/apps/web`;
  await pushTags(registry, 'apps/web', ['1.0.0', '1.1.0']);
  await env.apply(gitRepository(ns, 'prmode', repoUrl));
  await env.apply(kustomization(ns, 'prmode', 'prmode', { path: './deploy', targetNamespace: ns }));
  await env.apply({
    apiVersion: imageApiVersion,
    kind: 'ImageRepository',
    metadata: { name: 'web', namespace: ns },
    spec: { image, interval: '10m' },
  });
  await env.apply({
    apiVersion: imageApiVersion,
    kind: 'ImagePolicy',
    metadata: { name: 'web', namespace: ns },
    spec: { imageRepositoryRef: { name: 'web' }, policy: { semver: { range: '>=1.0.0' } } },
  });
  await env.waitForReady(ref(imageApiVersion, 'ImagePolicy', ns, 'web'), { status: 'True' });
  const mainBefore = await head('main');
  await env.apply(automation('web', 'github'));
  await env.apply(automation('web-gitlab', 'gitlab', 'gitlab-updates'));
  await env.apply(automation('web-gitea', 'gitea', 'gitea-updates'));

  const opened = await env.waitFor('the PullRequestOpened event', async () =>
    (await eventsOf(env, ns, 'ImageUpdateAutomation', 'web')).find((e) => e.reason === 'PullRequestOpened'),
  );
  assert.equal(opened.message, `opened pull request #1 from 'image-updates/web' to 'main': ${forge.url}/pull/1`);
  const [pr] = forge.open('github');
  assert.equal(forge.open('github').length, 1);
  assert.deepEqual([pr!.head, pr!.base, pr!.title], ['image-updates/web', 'main', 'Update web images']);
  assert.match(pr!.body, /ImageUpdateAutomation `prmode\/web` found newer images/);
  assert.ok(
    pr!.body.includes(`| \`configmap.yaml\` | \`prmode:web\` | \`${image}:1.0.0\` | \`${image}:1.1.0\` |`),
    pr!.body,
  );
  assert.match(await fileAt('image-updates/web', 'deploy/configmap.yaml'), /apps\/web:1\.1\.0 #/);
  assert.equal(await head('main'), mainBefore, 'main is untouched until the request is merged');
  const o = (await env.waitForReady(autoRef('web'), { status: 'True' })) as Obj;
  assert.equal(o.status?.['lastPushCommit'], await head('image-updates/web'));

  // GitLab and Gitea: their own branches and one request each.
  await env.waitFor('the GitLab and Gitea requests', async () =>
    forge.open('gitlab').length === 1 && forge.open('gitea').length === 1 ? true : undefined,
  );
  assert.deepEqual([forge.open('gitlab')[0]!.head, forge.open('gitea')[0]!.head], ['gitlab-updates', 'gitea-updates']);

  // A run with nothing new neither pushes nor opens another request.
  const branchHead = await head('image-updates/web');
  const token = await requestReconcile(env, autoRef('web'));
  await env.waitFor('the requested run', async () => {
    const a = (await env.get(autoRef('web'))) as Obj | undefined;
    return a?.status?.['lastHandledReconcileAt'] === token && readyOf(a)?.status === 'True';
  });
  assert.equal(await head('image-updates/web'), branchHead);
  assert.equal(forge.pulls.github.length, 1);

  // A newer tag: the branch is pushed again and the same request updated.
  await pushTags(registry, 'apps/web', ['1.2.0']);
  await requestReconcile(env, ref(imageApiVersion, 'ImageRepository', ns, 'web'));
  const updated = await env.waitFor('the PullRequestUpdated event', async () =>
    (await eventsOf(env, ns, 'ImageUpdateAutomation', 'web')).find((e) => e.reason === 'PullRequestUpdated'),
  );
  assert.match(updated.message ?? '', /^updated pull request #1 from 'image-updates\/web' to 'main'/);
  assert.equal(forge.pulls.github.length, 1);
  assert.ok(forge.open('github')[0]!.body.includes(`\`${image}:1.2.0\``));
  assert.match(await fileAt('image-updates/web', 'deploy/configmap.yaml'), /apps\/web:1\.2\.0 #/);
  assert.equal(await head('main'), mainBefore);

  // Merged: the normal loop applies it, and the next run has nothing to propose.
  await mergeIntoMain('image-updates/web');
  forge.merge('github', 1);
  await requestReconcile(env, gitRepoRef(ns, 'prmode'));
  await env.waitFor('the ConfigMap with the merged image', async () => {
    const cm = (await env.client.get(ref('v1', 'ConfigMap', ns, 'web-image'))) as
      (KubeObject & { data?: Record<string, string> }) | undefined;
    return cm?.data?.['image'] === `${image}:1.2.0`;
  });
  await env.waitForReady(ksRef(ns, 'prmode'), { status: 'True' });
  const after = await requestReconcile(env, autoRef('web'));
  await env.waitFor('the run after the merge', async () => {
    const a = (await env.get(autoRef('web'))) as Obj | undefined;
    return a?.status?.['lastHandledReconcileAt'] === after && readyOf(a)?.status === 'True';
  });
  assert.equal(forge.open('github').length, 0);

  // The GitLab and Gitea requests are stale now (main has 1.2.0): the next run closes each, saying why.
  await requestReconcile(env, autoRef('web-gitlab'));
  await requestReconcile(env, autoRef('web-gitea'));
  for (const [kind, name, branch] of [
    ['gitlab', 'web-gitlab', 'gitlab-updates'],
    ['gitea', 'web-gitea', 'gitea-updates'],
  ] as const) {
    const closed = await env.waitFor(`the ${kind} PullRequestClosed event`, async () =>
      (await eventsOf(env, ns, 'ImageUpdateAutomation', name)).find((e) => e.reason === 'PullRequestClosed'),
    );
    assert.match(
      closed.message ?? '',
      new RegExp(`^closed pull request #1 from '${branch}' to 'main': 'main' already has`),
    );
    assert.equal(forge.open(kind).length, 0);
    assert.match(
      forge.pulls[kind][0]!.body,
      new RegExp(`ImageUpdateAutomation \`prmode/${name}\` closed this request`),
    );
    await env.waitForReady(autoRef(name), { status: 'True' });
  }
  assert.deepEqual(forge.problems, [], 'every forge call matched its API description');
});

void test('bad input: a Provider that cannot open pull requests stalls; a missing one is reported; nothing is pushed', async () => {
  await env.apply(automation('bad-type', 'slack', 'slack-updates'));
  const stalled = (await env.waitForReady(autoRef('bad-type'), {
    status: 'False',
    reason: 'PullRequestFailed',
  })) as Obj;
  assert.match(
    readyOf(stalled)!.message,
    /Provider 'prmode\/slack' is of type 'slack'; pull requests need one of type github, gitlab, gitea/,
  );
  assert.equal(stalled.status?.conditions?.find((c) => c.type === 'Stalled')?.status, 'True');
  await env.apply(automation('no-provider', 'nope', 'nope-updates'));
  await env.waitForReady(autoRef('no-provider'), {
    status: 'False',
    reason: 'PullRequestFailed',
    messageIncludes: "Provider 'prmode/nope' not found",
  });
  assert.equal(await head('slack-updates'), undefined);
  assert.equal(await head('nope-updates'), undefined);
});
