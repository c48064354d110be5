// runUpdate against the in-process Git server: a push rejected because the branch moved is redone on the
// new head and pushed once more; a push a server hook declines (a protected branch) fails, nothing retried.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { commitFiles, startGitServer, type GitServer } from '../../devenv/git-server.ts';
import { GitOperationError } from '../../sources/git/errors.ts';
import { PushRejectedError } from '../../sources/git/commit-push.ts';
import { fetchRevision } from '../../sources/git/fetch-revision.ts';
import { withGitSession } from '../../sources/git/git-session.ts';
import { listRemoteRefs } from '../../sources/git/list-remote-refs.ts';
import { runProcess } from '../../sources/git/run-git.ts';
import { preparePgpSigner } from '../../sources/git/commit-signing.ts';
import { runUpdate, type UpdatePlan } from './run-update.ts';

const auth = { username: 'bot', password: 'push-password-123' };
let root: string;
let server: GitServer;

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'run-update-'));
  server = await startGitServer({ root: path.join(root, 'repos'), ...auth });
});
after(async () => {
  await server?.stop();
  await rm(root, { recursive: true, force: true });
});

const manifest = 'image: ghcr.io/acme/web:1.0.0 # {"$imagepolicy": "apps:web"}\n';
const plan = (dir: string): UpdatePlan => ({
  dir,
  updatePath: './',
  policies: [{ namespace: 'apps', name: 'web', latest: { name: 'ghcr.io/acme/web', tag: '2.0.0' } }],
  pushBranch: 'main',
  switchBranch: false,
  author: { name: 'Bot', email: 'bot@example.com' },
  messageTemplate: '{{ range .Changed.Changes }}{{ .NewValue }}{{ end }}',
  automation: { namespace: 'apps', name: 'web' },
});
const head = async (url: string) =>
  (await listRemoteRefs({ url, auth, kind: 'heads' })).find((r) => r.name === 'refs/heads/main')?.sha;

void test('the branch moved between checkout and push: fetched, redone on the new head, pushed once more', async () => {
  await server.createRepo('moved', { files: { 'app.yaml': manifest } });
  const url = server.repoUrl('moved');
  const dir = path.join(root, 'moved');
  await fetchRevision({ url, auth, ref: { branch: 'main' }, dir });
  const { sha: other } = await commitFiles({ repoUrl: url, ...auth, files: { 'other.txt': 'x\n' }, message: 'moved' });
  const outcome = await withGitSession({ url, auth }, (s) => runUpdate(s, plan(dir)));
  assert.ok(outcome.pushed);
  assert.equal(outcome.pushed.message, 'ghcr.io/acme/web:2.0.0');
  assert.equal(await head(url), outcome.pushed.commit);
  const check = path.join(root, 'moved-check');
  await fetchRevision({ url, auth, ref: { branch: 'main' }, dir: check });
  assert.equal(await readFile(path.join(check, 'other.txt'), 'utf8'), 'x\n');
  assert.equal(
    await readFile(path.join(check, 'app.yaml'), 'utf8'),
    'image: ghcr.io/acme/web:2.0.0 # {"$imagepolicy": "apps:web"}\n',
  );
  const parent = await withGitSession({ url, auth }, (s) =>
    s.git(['rev-parse', 'HEAD^'], { cwd: dir, action: 'read the parent of' }),
  );
  assert.equal(parent.trim(), other);
});

void test('a push declined by a server hook (protected branch) fails with the server message and pushes nothing', async () => {
  await server.createRepo('protected', { files: { 'app.yaml': manifest } });
  const url = server.repoUrl('protected');
  const hook = path.join(root, 'repos', 'protected.git', 'hooks', 'pre-receive');
  await writeFile(hook, '#!/bin/sh\necho "main is protected" >&2\nexit 1\n');
  await chmod(hook, 0o755);
  const before = await head(url);
  const dir = path.join(root, 'protected');
  await fetchRevision({ url, auth, ref: { branch: 'main' }, dir });
  await assert.rejects(
    withGitSession({ url, auth }, (s) => runUpdate(s, plan(dir))),
    (err: Error) =>
      err instanceof GitOperationError && !(err instanceof PushRejectedError) && /main is protected/.test(err.message),
  );
  assert.equal(await head(url), before);
});

// spec.git.commit.signingKey (secretRef name → Secret keys git.asc and passphrase, type gpg): real gpg.
void test('signed commits: an OpenPGP key with a passphrase signs the pushed commit (git verify-commit); a wrong passphrase is named', async () => {
  const gen = path.join(root, 'gnupg');
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', GNUPGHOME: gen, LC_ALL: 'C' };
  const sh = async (command: string, args: string[], cwd = root) => {
    const r = await runProcess({ command, args, cwd, env, signal: AbortSignal.timeout(60_000) });
    assert.ok(r.ok, `${command} ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  await sh('mkdir', ['-m', '700', gen]);
  const uid = 'Automation <bot@example.com>';
  await sh('gpg', [
    '--batch',
    '--pinentry-mode',
    'loopback',
    '--passphrase',
    's3cret-pass',
    '--quick-gen-key',
    uid,
    'ed25519',
    'sign',
    'never',
  ]);
  const armoredKey = await sh('gpg', [
    '--batch',
    '--pinentry-mode',
    'loopback',
    '--passphrase',
    's3cret-pass',
    '--armor',
    '--export-secret-keys',
    uid,
  ]);
  try {
    await assert.rejects(
      preparePgpSigner({ armoredKey, passphrase: 'wrong' }, AbortSignal.timeout(60_000)),
      /wrong passphrase/,
    );
    await server.createRepo('signed', { files: { 'app.yaml': manifest } });
    const url = server.repoUrl('signed');
    const dir = path.join(root, 'signed');
    await fetchRevision({ url, auth, ref: { branch: 'main' }, dir });
    const signer = await preparePgpSigner({ armoredKey, passphrase: 's3cret-pass' }, AbortSignal.timeout(60_000));
    let pushed: string | undefined;
    try {
      const outcome = await withGitSession({ url, auth }, (s) =>
        runUpdate(s, { ...plan(dir), signing: signer.gitConfig }),
      );
      pushed = outcome.pushed?.commit;
    } finally {
      await signer.dispose();
    }
    assert.equal(await head(url), pushed);
    const verified = await runProcess({
      command: 'git',
      args: ['verify-commit', '--raw', 'HEAD'],
      cwd: dir,
      env,
      signal: AbortSignal.timeout(60_000),
    });
    assert.ok(verified.ok, verified.stderr);
    assert.match(verified.stderr, /GOODSIG/);
  } finally {
    await runProcess({
      command: 'gpgconf',
      args: ['--kill', 'all'],
      cwd: root,
      env,
      signal: AbortSignal.timeout(10_000),
    });
  }
});
