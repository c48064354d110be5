// GitRepository content features through the whole loop: spec.sparseCheckout (only those directories are
// archived and applied), spec.recurseSubmodules (a submodule on the same Git server, fetched with the
// GitRepository's credentials), spec.proxySecretRef (every Git request through a proxy of the test's own,
// which checks its Basic credentials) and spec.include (another repository's artifact copied in; a new commit there
// rebuilds the including artifact and re-applies, through watches, without waiting for an interval).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { commitFiles } from '../../src/devenv/git-server.ts';
import { startTestProxy } from '../../src/devenv/http-proxy.ts';
import type { KubeObject } from '../../src/kube/types.ts';
import {
  GIT_PASSWORD,
  GIT_USER,
  gitRepoRef,
  gitRepository,
  ksRef,
  kustomization,
  startTestEnv,
  type TestEnv,
} from '../support/env.ts';

let env: TestEnv;
const ns = 'git-features';
const cm = (name: string, value: string): string =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${ns}\ndata:\n  value: "${value}"\n`;
const cmValue = async (name: string): Promise<string | undefined> => {
  const obj = await env.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name });
  return (obj?.['data'] as { value?: string } | undefined)?.value;
};
type Artifact = { revision: string; digest: string; path: string; url: string };
type RepoStatus = {
  artifact?: Artifact;
  includedArtifacts?: Artifact[];
  observedSparseCheckout?: string[];
  observedRecurseSubmodules?: boolean;
  observedInclude?: unknown[];
  conditions?: { type: string; status: string; reason: string; message: string }[];
};
const statusOf = (obj: KubeObject | undefined): RepoStatus => (obj?.['status'] ?? {}) as RepoStatus;

before(async () => {
  env = await startTestEnv();
  await env.namespace(ns);
});
after(() => env?.stop());

test('sparseCheckout: only the listed directories are in the artifact and applied', async () => {
  await env.createRepo('mono', {
    'apps/app.yaml': cm('sparse-app', 'in'),
    'infra/infra.yaml': cm('sparse-infra', 'out'),
    'root.yaml': cm('sparse-root', 'out'),
  });
  await env.apply(gitRepository(ns, 'mono', env.git.repoUrl('mono'), { sparseCheckout: ['./apps'] }));
  await env.apply(kustomization(ns, 'mono', 'mono', { path: './' }));
  const repo = await env.waitForReady(gitRepoRef(ns, 'mono'));
  assert.deepEqual(statusOf(repo).observedSparseCheckout, ['./apps']);
  const revision = statusOf(repo).artifact?.revision ?? '';
  assert.match(revision, /^main@sha1:[0-9a-f]{40}$/);
  const ks = await env.waitForReady(ksRef(ns, 'mono'), { messageIncludes: revision });
  const ids = ((ks.status?.['inventory'] as { entries: { id: string }[] }).entries ?? []).map((e) => e.id);
  assert.deepEqual(ids, [`${ns}_sparse-app__ConfigMap`]);
  assert.equal(await cmValue('sparse-app'), 'in');
  assert.equal(await cmValue('sparse-infra'), undefined);
  assert.equal(await cmValue('sparse-root'), undefined);

  // A directory the repository does not have: FetchFailed, Ready=False, the last artifact kept.
  await env.apply(gitRepository(ns, 'mono', env.git.repoUrl('mono'), { sparseCheckout: ['./apps', 'missing'] }));
  const failed = await env.waitForReady(gitRepoRef(ns, 'mono'), { status: 'False', reason: 'GitOperationFailed' });
  assert.match(
    failed.status?.conditions?.find((c) => c.type === 'Ready')?.message ?? '',
    /sparse checkout dir 'missing' does not exist in repository/,
  );
  assert.equal(failed.status?.conditions?.find((c) => c.type === 'FetchFailed')?.status, 'True');
  assert.equal(statusOf(failed).artifact?.revision, revision);
});

test('include: waits for the included repository, copies fromPath to toPath, follows its new commits', async () => {
  await env.createRepo('app', { 'app.yaml': cm('include-app', 'app') });
  await env.createRepo('lib', { 'deploy/lib.yaml': cm('include-lib', 'v1'), 'README.md': '# lib\n' });
  // The including repository has a long interval: only the include watch can rebuild it in this test.
  await env.apply(
    gitRepository(ns, 'app', env.git.repoUrl('app'), {
      interval: '1h',
      include: [{ repository: { name: 'lib' }, fromPath: 'deploy', toPath: 'vendor/lib' }],
    }),
  );
  const waiting = await env.waitForReady(gitRepoRef(ns, 'app'), { status: 'False', reason: 'NotFound' });
  const unavailable = waiting.status?.conditions?.find((c) => c.type === 'IncludeUnavailable');
  assert.equal(unavailable?.status, 'True');
  assert.equal(
    unavailable?.message,
    `could not get resource for include 'lib': gitrepositories.source.toolkit.fluxcd.io "lib" not found`,
  );

  await env.apply(gitRepository(ns, 'lib', env.git.repoUrl('lib'), { interval: '2s' }));
  await env.apply(kustomization(ns, 'app', 'app', { path: './', interval: '1h' }));
  const lib = await env.waitForReady(gitRepoRef(ns, 'lib'));
  const app = await env.waitFor('app to include the artifact of lib', async () => {
    const obj = await env.get(gitRepoRef(ns, 'app'));
    const ready = obj?.status?.conditions?.find((c) => c.type === 'Ready');
    return ready?.status === 'True' && statusOf(obj).includedArtifacts?.length === 1 ? obj : undefined;
  });
  assert.equal(
    app.status?.conditions?.find((c) => c.type === 'IncludeUnavailable'),
    undefined,
  );
  assert.deepEqual(statusOf(app).includedArtifacts, [statusOf(lib).artifact]);
  assert.deepEqual(statusOf(app).observedInclude, [
    { repository: { name: 'lib' }, fromPath: 'deploy', toPath: 'vendor/lib' },
  ]);
  const appRevision = statusOf(app).artifact?.revision ?? '';
  const firstDigest = statusOf(app).artifact?.digest;
  await env.waitForReady(ksRef(ns, 'app'), { messageIncludes: appRevision });
  assert.equal(await cmValue('include-app'), 'app');
  assert.equal(await cmValue('include-lib'), 'v1');

  // A commit to the included repository: lib's new artifact rebuilds app's (same revision, new digest)
  // and the Kustomization applies it, with both intervals of an hour.
  const libSha = await env.commit('lib', { 'deploy/lib.yaml': cm('include-lib', 'v2') }, 'lib v2');
  const rebuilt = await env.waitFor('app to include lib v2', async () => {
    const obj = await env.get(gitRepoRef(ns, 'app'));
    return statusOf(obj).includedArtifacts?.[0]?.revision === `main@sha1:${libSha}` ? obj : undefined;
  });
  assert.equal(statusOf(rebuilt).artifact?.revision, appRevision);
  assert.notEqual(statusOf(rebuilt).artifact?.digest, firstDigest);
  await env.waitFor('the Kustomization to apply lib v2', async () => (await cmValue('include-lib')) === 'v2');
});

test('recurseSubmodules: the pinned submodule commit is applied, a new pin moves it', async () => {
  await env.createRepo('sub', { 'sub.yaml': cm('submodule-cm', 's1') });
  const auth = { username: GIT_USER, password: GIT_PASSWORD };
  const pin = (commit: string) =>
    commitFiles({
      repoUrl: env.git.repoUrl('super'),
      ...auth,
      files: {},
      submodules: { 'vendor/sub': { url: '../sub.git', commit } },
      message: `pin ${commit}`,
    });
  const subHead = async (): Promise<string> =>
    (await commitFiles({ repoUrl: env.git.repoUrl('sub'), ...auth, files: {}, message: 'empty' })).sha;
  const s1 = await subHead();
  await env.createRepo('super', { 'super.yaml': cm('super-cm', 'top') });
  await pin(s1);
  await env.apply(gitRepository(ns, 'super', env.git.repoUrl('super'), { interval: '2s', recurseSubmodules: true }));
  await env.apply(kustomization(ns, 'super', 'super', { path: './', interval: '2s' }));
  const repo = await env.waitForReady(gitRepoRef(ns, 'super'));
  assert.equal(statusOf(repo).observedRecurseSubmodules, true);
  await env.waitFor('the submodule ConfigMap', async () => (await cmValue('submodule-cm')) === 's1');
  assert.equal(await cmValue('super-cm'), 'top');

  // A commit in the submodule alone changes nothing; moving the pin does.
  await commitFiles({
    repoUrl: env.git.repoUrl('sub'),
    ...auth,
    files: { 'sub.yaml': cm('submodule-cm', 's2') },
    message: 's2',
  });
  const s2 = await subHead();
  const superSha = (await pin(s2)).sha;
  await env.waitForReady(ksRef(ns, 'super'), { messageIncludes: `main@sha1:${superSha}` });
  assert.equal(await cmValue('submodule-cm'), 's2');
});

test('proxySecretRef: the repository is fetched through the proxy with its credentials', async () => {
  const proxyAuth = { username: 'proxy-user', password: 'proxy-e2e-secret' };
  const proxy = await startTestProxy(proxyAuth);
  try {
    await env.createRepo('proxied', { 'proxied.yaml': cm('proxied-cm', 'via-proxy') });
    await env.apply({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'proxy', namespace: ns },
      stringData: { address: proxy.url, ...proxyAuth },
    });
    await env.apply(gitRepository(ns, 'proxied', env.git.repoUrl('proxied'), { proxySecretRef: { name: 'proxy' } }));
    await env.apply(kustomization(ns, 'proxied', 'proxied', { path: './' }));
    await env.waitForReady(gitRepoRef(ns, 'proxied'));
    await env.waitFor('the proxied ConfigMap', async () => (await cmValue('proxied-cm')) === 'via-proxy');
    const through = proxy.requests.filter((r) => r.status === 200 && r.target.startsWith(env.git.repoUrl('proxied')));
    assert.ok(through.length >= 2, `Git requests through the proxy: ${through.length}`);

    // Wrong proxy credentials: the fetch fails (407) and the last artifact stays.
    const revision = statusOf(await env.get(gitRepoRef(ns, 'proxied'))).artifact?.revision;
    await env.apply({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'proxy', namespace: ns },
      stringData: { address: proxy.url, username: 'proxy-user', password: 'not-the-password' },
    });
    await env.apply(
      gitRepository(ns, 'proxied', env.git.repoUrl('proxied'), { proxySecretRef: { name: 'proxy' }, interval: '2s' }),
    );
    const failed = await env.waitForReady(gitRepoRef(ns, 'proxied'), { status: 'False', reason: 'GitOperationFailed' });
    const message = failed.status?.conditions?.find((c) => c.type === 'Ready')?.message ?? '';
    assert.match(message, /407/);
    assert.ok(!message.includes('not-the-password'));
    assert.equal(statusOf(failed).artifact?.revision, revision);
  } finally {
    await proxy.stop();
  }
});
