// A GitRepository over SSH (identity + known_hosts from the Secret) through the whole loop.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { createBareRepo } from '../../src/devenv/git-server.ts';
import { startSshGitServer, type SshGitServer } from '../../src/devenv/ssh-git-server.ts';
import { gitRepoRef, gitRepository, ksRef, kustomization, startTestEnv, type TestEnv } from '../support/env.ts';

const run = promisify(execFile);
let env: TestEnv;
let ssh: SshGitServer;
const ns = 'ssh';

before(async () => {
  env = await startTestEnv();
  const keyFile = path.join(env.tmp, 'id_ed25519');
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'driftless-e2e', '-f', keyFile]);
  const root = path.join(env.tmp, 'ssh-repos');
  ssh = await startSshGitServer({ root, authorizedKey: await readFile(`${keyFile}.pub`, 'utf8') });
  await createBareRepo({
    root,
    name: 'app',
    files: { 'cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: over-ssh\n  namespace: ${ns}\n` },
  });
  await env.namespace(ns);
  await env.apply({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'ssh-auth', namespace: ns },
    stringData: { identity: await readFile(keyFile, 'utf8'), known_hosts: ssh.knownHosts },
  });
});
after(async () => {
  await ssh?.stop();
  await env?.stop();
});

test('an ssh:// GitRepository with identity and known_hosts is fetched and applied', async () => {
  await env.apply(gitRepository(ns, 'app', ssh.repoUrl('app'), { secretRef: { name: 'ssh-auth' } }));
  const repo = await env.waitForReady(gitRepoRef(ns, 'app'));
  assert.match((repo.status?.['artifact'] as { revision: string }).revision, /^main@sha1:/);
  await env.apply(kustomization(ns, 'app', 'app'));
  await env.waitForReady(ksRef(ns, 'app'));
  assert.ok(await env.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'over-ssh' }));
});

test('a missing secretRef Secret is reported, naming the Secret and the fix', async () => {
  await env.apply(gitRepository(ns, 'nosecret', ssh.repoUrl('app'), { secretRef: { name: 'does-not-exist' } }));
  const repo = await env.waitForReady(gitRepoRef(ns, 'nosecret'), { status: 'False', reason: 'AuthenticationFailed' });
  const message = repo.status?.conditions?.find((c) => c.type === 'Ready')?.message ?? '';
  assert.match(message, /ssh\/does-not-exist/);
  assert.match(message, /secretRef/);
});
