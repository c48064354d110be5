// Bad input fails only its owner, keeps the last good state, and never prunes (shared/reference/bad-inputs.md).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startGitServer } from '../../src/devenv/git-server.ts';
import { gitRepoRef, gitRepository, ksRef, kustomization, startTestEnv, type TestEnv } from '../support/env.ts';

let env: TestEnv;
const ns = 'bad';
const cm = (name: string, value: string): string =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${ns}\ndata:\n  value: "${value}"\n`;
const cmRef = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name });
const poke = (kind: 'source' | 'ks', name: string, token: string) =>
  env.client.patch(kind === 'source' ? gitRepoRef(ns, name) : ksRef(ns, name), {
    metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': token } },
  });

before(async () => {
  env = await startTestEnv();
  await env.namespace(ns);
  await env.createRepo('bad', { 'a.yaml': cm('a', '1'), 'b.yaml': cm('b', '1') });
  await env.apply(gitRepository(ns, 'bad', env.git.repoUrl('bad')));
  await env.apply(kustomization(ns, 'bad', 'bad'));
  await env.waitForReady(ksRef(ns, 'bad'));
});
after(() => env?.stop());

test('a broken manifest: Ready=False BuildFailed, nothing pruned, last good objects intact', async () => {
  const sha = await env.commit('bad', {
    'a.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: bad\ndata: [unclosed\n',
    'b.yaml': null,
  });
  await poke('source', 'bad', 't1');
  const ks = await env.waitForReady(ksRef(ns, 'bad'), { status: 'False', reason: 'BuildFailed' });
  const ready = ks.status?.conditions?.find((c) => c.type === 'Ready');
  assert.match(ready?.message ?? '', /a\.yaml/, 'the message names the file');
  assert.ok(String(ks.status?.['lastAttemptedRevision']).endsWith(sha));
  assert.notEqual(ks.status?.['lastAppliedRevision'], ks.status?.['lastAttemptedRevision']);
  assert.ok(await env.get(cmRef('a')), 'a is still there');
  assert.ok(await env.get(cmRef('b')), 'b was not pruned although its file is gone');
  const events = await env.client.list('v1', 'Event', { namespace: ns });
  assert.ok(
    events.items.some((e) => (e as { reason?: string }).reason === 'BuildFailed'),
    'a BuildFailed event was recorded',
  );
  await env.commit('bad', { 'a.yaml': cm('a', '2') });
  await poke('source', 'bad', 't2');
  await env.waitForReady(ksRef(ns, 'bad'), { reason: 'ReconciliationSucceeded' });
  await env.waitFor(
    'b to be pruned once the build is good again',
    async () => (await env.get(cmRef('b'))) === undefined,
  );
});

test('Git server down: Ready=False with the reason, last artifact kept', async () => {
  const before = (await env.get(gitRepoRef(ns, 'bad')))?.status?.['artifact'] as { revision: string };
  env.git.setFault('status500');
  try {
    await poke('source', 'bad', 't3');
    const repo = await env.waitForReady(gitRepoRef(ns, 'bad'), { status: 'False', reason: 'GitOperationFailed' });
    assert.deepEqual((repo.status?.['artifact'] as { revision: string }).revision, before.revision, 'artifact kept');
    assert.ok(repo.status?.conditions?.some((c) => c.type === 'FetchFailed' && c.status === 'True'));
    await poke('ks', 'bad', 't4');
    await env.waitForReady(ksRef(ns, 'bad'), { reason: 'ReconciliationSucceeded' });
    assert.ok(await env.get(cmRef('a')), 'objects untouched');
  } finally {
    env.git.setFault('none');
  }
  await poke('source', 'bad', 't5');
  await env.waitForReady(gitRepoRef(ns, 'bad'));
});

test('a symlink pointing outside the repository is left out with a Warning naming it; its target never leaks', async () => {
  await env.createRepo('evil-link', { 'ok.yaml': cm('evil-ok', '1'), 'secrets.yaml': { symlink: '/etc/passwd' } });
  await env.apply(gitRepository(ns, 'evil-link', env.git.repoUrl('evil-link')));
  const repo = await env.waitForReady(gitRepoRef(ns, 'evil-link'));
  assert.ok(repo.status?.['artifact'], 'the artifact is produced without the link');
  const warning = await env.waitFor('a SymlinkSkipped event', async () => {
    const events = await env.client.list('v1', 'Event', { namespace: ns });
    return (
      events.items as { reason?: string; type?: string; message?: string; involvedObject?: { name?: string } }[]
    ).find((e) => e.reason === 'SymlinkSkipped' && e.involvedObject?.name === 'evil-link');
  });
  assert.equal(warning.type, 'Warning');
  assert.match(warning.message ?? '', /symlink 'secrets\.yaml' points outside the repository/);
  assert.doesNotMatch(warning.message ?? '', /root:|\/etc\/passwd/, 'neither the target nor its content');
  // The rest of the repository is usable: a Kustomization applies it, and nothing of the target arrives.
  await env.apply(kustomization(ns, 'evil-link', 'evil-link'));
  const ks = await env.waitForReady(ksRef(ns, 'evil-link'));
  const inventory = JSON.stringify(ks.status?.['inventory'] ?? {});
  assert.match(inventory, /evil-ok/);
  assert.ok(await env.get(cmRef('evil-ok')));
});

test('a YAML alias bomb is refused with a clear error', async () => {
  const bomb = [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    '  name: bomb',
    '  namespace: bad',
    'data:',
    '  a: &a ["x","x","x","x","x","x","x","x","x"]',
  ];
  for (let i = 0; i < 8; i++)
    bomb.push(
      `  ${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`,
    );
  await env.createRepo('bomb', {
    'kustomization.yaml': 'resources: [bomb.yaml]\n',
    'bomb.yaml': bomb.join('\n') + '\n',
  });
  await env.apply(gitRepository(ns, 'bomb', env.git.repoUrl('bomb')));
  await env.apply(kustomization(ns, 'bomb', 'bomb'));
  const ks = await env.waitForReady(ksRef(ns, 'bomb'), { status: 'False', reason: 'BuildFailed' }, 90_000);
  assert.ok((ks.status?.conditions?.find((c) => c.type === 'Ready')?.message.length ?? 0) < 5000);
  assert.equal(await env.get(cmRef('bomb')), undefined);
});

test('a field Driftless does not implement is refused by name: NotSupported, Stalled, nothing applied', async () => {
  await env.apply(
    kustomization(ns, 'sops', 'bad', {
      decryption: { provider: 'sops', secretRef: { name: 'sops-keys' }, serviceAccountName: 'kms' },
    }),
  );
  const ks = await env.waitForReady(ksRef(ns, 'sops'), { status: 'False', reason: 'NotSupported' });
  const ready = ks.status?.conditions?.find((c) => c.type === 'Ready');
  assert.match(
    ready?.message ?? '',
    /^spec\.decryption\.serviceAccountName is not supported by Driftless yet: remove it/,
  );
  assert.equal(ks.status?.conditions?.find((c) => c.type === 'Stalled')?.status, 'True');
  assert.equal(ks.status?.['inventory'], undefined, 'nothing was applied');
});

test('a Provider type Driftless does not implement is refused by the API server at create', async () => {
  const provider = {
    apiVersion: 'notification.toolkit.fluxcd.io/v1beta3',
    kind: 'Provider',
    metadata: { name: 'pubsub', namespace: ns },
    spec: { type: 'googlepubsub', address: 'my-project' },
  };
  await assert.rejects(env.apply(provider), /spec\.type 'googlepubsub' is not supported by Driftless yet: use/);
  assert.equal(
    await env.get({ apiVersion: provider.apiVersion, kind: 'Provider', namespace: ns, name: 'pubsub' }),
    undefined,
  );
});

// Last in the file: the second half restarts the engine with --no-remote-bases.
test('a remote kustomize base is fetched by default, as in Flux; --no-remote-bases refuses it with BuildFailed', async (t) => {
  // A second Git server that anyone may read, as a public repository of shared bases is.
  const shared = await startGitServer({ root: path.join(env.tmp, 'shared-repos') });
  t.after(() => shared.stop());
  await shared.createRepo('bases', {
    branch: 'main',
    files: { 'team/kustomization.yaml': 'resources: [cm.yaml]\n', 'team/cm.yaml': cm('from-remote-base', '1') },
  });
  const remote = `${shared.repoUrl('bases')}//team?ref=main`;
  const overlay = { 'kustomization.yaml': `resources:\n- ${remote}\n` };
  await env.createRepo('remote-base', overlay);
  await env.apply(gitRepository(ns, 'remote-base', env.git.repoUrl('remote-base')));
  await env.apply(kustomization(ns, 'remote-base', 'remote-base'));
  await env.waitForReady(ksRef(ns, 'remote-base'), { reason: 'ReconciliationSucceeded' }, 90_000);
  assert.ok(await env.get(cmRef('from-remote-base')), 'the object of the remote base was applied');

  await env.engine!.stop();
  await env.startEngine({ noRemoteBases: true });
  // Fresh objects, so the refusal does not depend on the old engine's artifact.
  await env.createRepo('remote-base-refused', overlay);
  await env.apply(gitRepository(ns, 'remote-base-refused', env.git.repoUrl('remote-base-refused')));
  await env.apply(kustomization(ns, 'remote-base-refused', 'remote-base-refused'));
  const ks = await env.waitForReady(ksRef(ns, 'remote-base-refused'), { status: 'False', reason: 'BuildFailed' });
  const message = ks.status?.conditions?.find((c) => c.type === 'Ready')?.message ?? '';
  assert.match(message, /remote bases are not allowed/);
  assert.ok(message.includes(remote), `the message names the base: ${message}`);
});
