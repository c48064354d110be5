import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { promisify } from 'node:util';
import { createBareRepo } from '../../devenv/git-server.ts';
import { startSshGitServer, type SshGitServer } from '../../devenv/ssh-git-server.ts';
import { GitAuthError } from './errors.ts';
import { fetchRevision } from './fetch-revision.ts';

const execFileAsync = promisify(execFile);

let scratch: string;
let server: SshGitServer;
let identity: string;
let otherIdentity: string;
let otherPub: string;
let dirCount = 0;
const newDir = (): string => path.join(scratch, `co-${++dirCount}`);

async function keypair(name: string): Promise<{ key: string; pub: string }> {
  const file = path.join(scratch, name);
  await execFileAsync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', file]);
  return { key: await readFile(file, 'utf8'), pub: await readFile(`${file}.pub`, 'utf8') };
}

before(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'fetch-ssh-test-'));
  const root = path.join(scratch, 'repos');
  const good = await keypair('good');
  identity = good.key;
  const other = await keypair('other');
  otherIdentity = other.key;
  otherPub = other.pub.trim();
  server = await startSshGitServer({ root, authorizedKey: good.pub });
  await createBareRepo({ root, name: 'app', files: { 'app.yaml': 'over: ssh\n' } });
});

after(async () => {
  await server.stop();
  await rm(scratch, { recursive: true, force: true });
});

void test('fetches over SSH with an identity and known_hosts', async () => {
  const dir = newDir();
  const tmp = await mkdtemp(path.join(scratch, 'tmp-'));
  const got = await fetchRevision({
    url: server.repoUrl('app'),
    ref: { branch: 'main' },
    auth: { identity, knownHosts: server.knownHosts },
    dir,
    tmpDir: tmp,
  });
  assert.match(got.revision, /^main@sha1:[0-9a-f]{40}$/);
  assert.equal(await readFile(path.join(dir, 'app.yaml'), 'utf8'), 'over: ssh\n');
  assert.deepEqual(await readdir(tmp), [], 'the key and known_hosts temp files are removed');
});

void test('unknown host key, missing or wrong identity fail with GitAuthError and never echo the key', async () => {
  const url = server.repoUrl('app');
  const cases = [
    { identity },
    { identity, knownHosts: `${server.knownHosts.split(' ')[0]} ${otherPub.split(' ').slice(0, 2).join(' ')}` },
    { knownHosts: server.knownHosts },
    { identity: otherIdentity, knownHosts: server.knownHosts },
  ];
  for (const auth of cases) {
    await assert.rejects(fetchRevision({ url, ref: { branch: 'main' }, auth, dir: newDir() }), (err: unknown) => {
      assert.ok(err instanceof GitAuthError, String(err));
      assert.match(err.message, /ssh:\/\/127\.0\.0\.1:\d+\/.*app\.git' \(branch 'main'\)/);
      assert.match(err.message, /Host key verification failed|Permission denied/);
      assert.ok(!err.message.includes('PRIVATE KEY'));
      return true;
    });
  }
});

void test("a passphrase-protected identity fetches with Flux's 'password'; a wrong passphrase is named, never shown", async () => {
  // The authorized key, re-encrypted with a passphrase.
  const file = path.join(scratch, 'protected');
  await writeFile(file, identity, { mode: 0o600 });
  await execFileAsync('ssh-keygen', ['-q', '-p', '-P', '', '-N', 'the-passphrase', '-f', file]);
  const protectedKey = await readFile(file, 'utf8');
  assert.match(protectedKey, /OPENSSH PRIVATE KEY/);
  const url = server.repoUrl('app');
  const got = await fetchRevision({
    url,
    ref: { branch: 'main' },
    auth: { identity: protectedKey, password: 'the-passphrase', knownHosts: server.knownHosts },
    dir: newDir(),
  });
  assert.match(got.revision, /^main@sha1:/);
  await assert.rejects(
    fetchRevision({
      url,
      ref: { branch: 'main' },
      auth: { identity: protectedKey, password: 'not-it', knownHosts: server.knownHosts },
      dir: newDir(),
    }),
    (err: unknown) => {
      assert.ok(err instanceof GitAuthError, String(err));
      assert.match(err.message, /passphrase in the Secret's 'password' is wrong/);
      assert.ok(!err.message.includes('not-it') && !err.message.includes('the-passphrase'));
      return true;
    },
  );
});
