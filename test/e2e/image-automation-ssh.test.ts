// ImageUpdateAutomation pushing over SSH to the project's real SSH Git server (sshd), with the
// GitRepository's identity (passphrase-protected, Flux's `password` key) and known_hosts: commits signed
// with an OpenPGP key (type gpg) and with an SSH key (type ssh), each verified by `git verify-commit`; a
// wrong identity passphrase, a wrong signing-key passphrase and a push a protected branch refuses are each
// Ready=False with Flux's reason and a message that says what is wrong, without any secret in it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { Groups } from '../../src/api/constants.ts';
import { createBareRepo } from '../../src/devenv/git-server.ts';
import { startSshGitServer, type SshGitServer } from '../../src/devenv/ssh-git-server.ts';
import type { KubeObject } from '../../src/kube/types.ts';
import { RegistryClient } from '../../src/sources/oci/client.ts';
import { pushArtifact } from '../../src/sources/oci/push.ts';
import { gitRepoRef, gitRepository, ref, startTestEnv, type TestEnv } from '../support/env.ts';
import { startTestRegistry, type TestRegistry } from '../support/oci-registry.ts';

const run = promisify(execFile);
const ns = 'auto-ssh';
const apiVersion = `${Groups.image}/v1`;
const IDENTITY_PASS = 'identity-pass-9f3c';
const GPG_PASS = 'gpg-pass-51be';
const SSH_SIGN_PASS = 'sshsign-pass-77d0';
let env: TestEnv;
let registry: TestRegistry;
let ssh: SshGitServer;
let root: string;
let gnupg: string;
let identity: string;
let armoredGpgKey: string;
let sshSigningKey: string;
let sshSigningPub: string;

type Cond = { type: string; status: string; reason: string; message: string };
type Obj = KubeObject & { status?: Record<string, unknown> & { conditions?: Cond[] } };
const autoRef = (name: string) => ref(apiVersion, 'ImageUpdateAutomation', ns, name);
const readyOf = (o: Obj | undefined) => o?.status?.conditions?.find((c) => c.type === 'Ready');
const gpgEnv = () => ({ PATH: process.env['PATH'] ?? '/usr/bin:/bin', GNUPGHOME: gnupg, LC_ALL: 'C' });
const manifest = (image: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  image: ${image}:1.0.0 # {"$imagepolicy": "${ns}:web"}\n`;

before(async () => {
  env = await startTestEnv();
  registry = await startTestRegistry();
  await env.namespace(ns);
  root = path.join(env.tmp, 'ssh-repos');
  await mkdir(root, { recursive: true });
  // The Git identity is passphrase-protected: Flux reads the passphrase from the Secret's `password`.
  const keyFile = path.join(env.tmp, 'id_ed25519');
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', IDENTITY_PASS, '-C', 'automation', '-f', keyFile]);
  identity = await readFile(keyFile, 'utf8');
  ssh = await startSshGitServer({ root, authorizedKey: await readFile(`${keyFile}.pub`, 'utf8') });

  const signFile = path.join(env.tmp, 'sign_ed25519');
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', SSH_SIGN_PASS, '-C', 'signer', '-f', signFile]);
  sshSigningKey = await readFile(signFile, 'utf8');
  sshSigningPub = (await readFile(`${signFile}.pub`, 'utf8')).trim();

  gnupg = path.join(env.tmp, 'gnupg');
  await mkdir(gnupg, { mode: 0o700 });
  const uid = 'Automation <bot@example.com>';
  const loopback = ['--batch', '--pinentry-mode', 'loopback', '--passphrase', GPG_PASS];
  await run('gpg', [...loopback, '--quick-gen-key', uid, 'ed25519', 'sign', 'never'], { env: gpgEnv() });
  armoredGpgKey = (await run('gpg', [...loopback, '--armor', '--export-secret-keys', uid], { env: gpgEnv() })).stdout;

  const image = `${registry.host}/apps/ssh-web`;
  const client = new RegistryClient({ registry: registry.host, repository: 'apps/ssh-web', insecure: false });
  for (const tag of ['1.0.0', '1.1.0'])
    await pushArtifact({ client, tag, layer: Buffer.from(`layer ${tag}`), meta: {} });
  for (const name of ['gpg', 'sshsign', 'badpass', 'badsign', 'protected'])
    await createBareRepo({ root, name, files: { 'deploy/web.yaml': manifest(image) } });
  // A protected branch: the server's pre-receive hook refuses every push to main.
  const hook = path.join(root, 'protected.git', 'hooks', 'pre-receive');
  await writeFile(hook, '#!/bin/sh\necho "refs/heads/main is a protected branch" >&2\nexit 1\n');
  await chmod(hook, 0o755);

  const secret = (name: string, stringData: Record<string, string>): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: ns },
    stringData,
  });
  await env.apply(secret('ssh-auth', { identity, known_hosts: ssh.knownHosts, password: IDENTITY_PASS }));
  await env.apply(secret('ssh-auth-wrong', { identity, known_hosts: ssh.knownHosts, password: 'not-the-pass' }));
  await env.apply(secret('gpg-key', { 'git.asc': armoredGpgKey, passphrase: GPG_PASS }));
  await env.apply(secret('gpg-key-wrong', { 'git.asc': armoredGpgKey, passphrase: 'not-the-gpg-pass' }));
  await env.apply(secret('ssh-sign', { identity: sshSigningKey, password: SSH_SIGN_PASS }));
  for (const name of ['gpg', 'sshsign', 'badsign', 'protected'])
    await env.apply(gitRepository(ns, name, ssh.repoUrl(name), { secretRef: { name: 'ssh-auth' }, interval: '1h' }));
  await env.apply(
    gitRepository(ns, 'badpass', ssh.repoUrl('badpass'), { secretRef: { name: 'ssh-auth-wrong' }, interval: '1h' }),
  );
  await env.apply({
    apiVersion,
    kind: 'ImageRepository',
    metadata: { name: 'web', namespace: ns },
    spec: { image, interval: '1h' },
  });
  await env.apply({
    apiVersion,
    kind: 'ImagePolicy',
    metadata: { name: 'web', namespace: ns },
    spec: { imageRepositoryRef: { name: 'web' }, policy: { semver: { range: '>=1.0.0' } } },
  });
  await env.waitForReady(ref(apiVersion, 'ImagePolicy', ns, 'web'), { status: 'True' });
});
after(async () => {
  await run('gpgconf', ['--kill', 'all'], { env: gpgEnv() }).catch(() => undefined);
  await ssh?.stop();
  await registry?.stop();
  await env?.stop();
});

const automation = (name: string, signingKey?: Record<string, unknown>): KubeObject => ({
  apiVersion,
  kind: 'ImageUpdateAutomation',
  metadata: { name, namespace: ns },
  spec: {
    interval: '1h',
    sourceRef: { kind: 'GitRepository', name },
    git: {
      checkout: { ref: { branch: 'main' } },
      commit: {
        author: { name: 'Automation', email: 'bot@example.com' },
        messageTemplate: 'Update web to {{ range .Changed.Changes }}{{ .NewValue }}{{ end }}',
        ...(signingKey ? { signingKey } : {}),
      },
      push: { branch: 'main' },
    },
    update: { strategy: 'Setters', path: './deploy' },
  },
});

/** Waits for the automation's first push; returns the pushed commit. */
async function pushedCommit(name: string): Promise<string> {
  const o = await env.waitFor(`${name}: the push over SSH`, async () => {
    const got = (await env.get(autoRef(name))) as Obj | undefined;
    return got?.status?.['lastPushCommit'] && readyOf(got)?.status === 'True' ? got : undefined;
  });
  const commit = o.status!['lastPushCommit'] as string;
  assert.equal(o.status!['observedSourceRevision'], `main@sha1:${commit}`);
  // The bare repository on the SSH server holds it as main, with the new tag.
  const gitDir = path.join(root, `${name}.git`);
  assert.equal((await run('git', ['--git-dir', gitDir, 'rev-parse', 'main'])).stdout.trim(), commit);
  const file = (await run('git', ['--git-dir', gitDir, 'show', 'main:deploy/web.yaml'])).stdout;
  assert.match(file, /ssh-web:1\.1\.0 # \{"\$imagepolicy": "auto-ssh:web"\}/);
  return commit;
}

/** Ready=False with `reason`; the message matches `pattern` and holds no secret of this suite. */
async function failsWith(name: string, reason: string, pattern: RegExp): Promise<string> {
  const o = await env.waitFor(`${name}: Ready=False ${reason}`, async () => {
    const got = (await env.get(autoRef(name))) as Obj | undefined;
    const ready = readyOf(got);
    return ready?.status === 'False' && ready.reason === reason ? got : undefined;
  });
  const message = readyOf(o)!.message;
  assert.match(message, pattern);
  for (const secret of [IDENTITY_PASS, GPG_PASS, SSH_SIGN_PASS, 'not-the-pass', 'not-the-gpg-pass'])
    assert.ok(!message.includes(secret), `the message shows a passphrase: ${message}`);
  for (const key of [identity, armoredGpgKey, sshSigningKey]) {
    const body = key.split('\n').reduce((a, b) => (b.length > a.length ? b : a), '');
    assert.ok(body.length > 20 && !message.includes(body), `the message shows a key: ${message}`);
  }
  assert.equal(o.status?.['lastPushCommit'], undefined, 'nothing was pushed');
  return message;
}

void test('pushes over SSH with a passphrase-protected identity; the commit is OpenPGP-signed and verifies', async () => {
  await env.apply(automation('gpg', { secretRef: { name: 'gpg-key' } }));
  const commit = await pushedCommit('gpg');
  const verified = await run('git', ['--git-dir', path.join(root, 'gpg.git'), 'verify-commit', '--raw', commit], {
    env: gpgEnv(),
  });
  assert.match(verified.stderr, /GOODSIG/);
});

void test('signingKey type ssh: the commit is signed with the SSH key and verifies against allowed signers', async () => {
  await env.apply(automation('sshsign', { secretRef: { name: 'ssh-sign' }, type: 'ssh' }));
  const commit = await pushedCommit('sshsign');
  const allowed = path.join(env.tmp, 'allowed_signers');
  await writeFile(allowed, `bot@example.com ${sshSigningPub}\n`);
  const verified = await run(
    'git',
    [
      '--git-dir',
      path.join(root, 'sshsign.git'),
      '-c',
      `gpg.ssh.allowedSignersFile=${allowed}`,
      'verify-commit',
      '--raw',
      commit,
    ],
    { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LC_ALL: 'C' } },
  );
  assert.match(verified.stderr, /Good "git" signature for bot@example\.com/);
});

void test('a wrong passphrase for the SSH identity is GitOperationFailed naming the passphrase, nothing pushed', async () => {
  await env.apply(automation('badpass'));
  const message = await failsWith('badpass', 'GitOperationFailed', /passphrase in the Secret's 'password' is wrong/);
  assert.match(message, /failed to checkout source/);
  // The GitRepository itself: fetched with the right passphrase, AuthenticationFailed with the wrong one.
  await env.waitForReady(gitRepoRef(ns, 'gpg'), { status: 'True' });
  await env.waitForReady(gitRepoRef(ns, 'badpass'), {
    status: 'False',
    reason: 'AuthenticationFailed',
    messageIncludes: "the passphrase in the Secret's 'password' is wrong",
  });
});

void test('a wrong passphrase for the signing key is SourceManagerFailed naming the Secret', async () => {
  await env.apply(automation('badsign', { secretRef: { name: 'gpg-key-wrong' } }));
  await failsWith('badsign', 'SourceManagerFailed', /signing key secret 'auto-ssh\/gpg-key-wrong'.*wrong passphrase/);
  const refs = (await run('git', ['--git-dir', path.join(root, 'badsign.git'), 'log', '--format=%s', 'main'])).stdout;
  assert.doesNotMatch(refs, /Update web/);
});

void test('a push the protected branch refuses is GitOperationFailed with the server message, main unchanged', async () => {
  const gitDir = path.join(root, 'protected.git');
  const before = (await run('git', ['--git-dir', gitDir, 'rev-parse', 'main'])).stdout.trim();
  await env.apply(automation('protected'));
  const message = await failsWith('protected', 'GitOperationFailed', /refs\/heads\/main is a protected branch/);
  assert.match(message, /failed to update source/);
  assert.equal((await run('git', ['--git-dir', gitDir, 'rev-parse', 'main'])).stdout.trim(), before);
});
