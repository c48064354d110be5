import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { promisify } from 'node:util';
import { createBareRepo } from './git-server.ts';
import { startSshGitServer, type SshGitServer } from './ssh-git-server.ts';

const execFileAsync = promisify(execFile);

let dir: string;
let root: string;
let server: SshGitServer;

async function keypair(name: string): Promise<{ key: string; pub: string }> {
  const key = path.join(dir, name);
  await execFileAsync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
  return { key, pub: (await readFile(`${key}.pub`, 'utf8')).trim() };
}

/** git ls-remote over SSH with only the given key and known_hosts file, no agent or user config. */
async function lsRemote(url: string, key: string, knownHosts: string): Promise<string> {
  const ssh = `ssh -F /dev/null -i ${key} -o IdentitiesOnly=yes -o IdentityAgent=none -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=${knownHosts} -o GlobalKnownHostsFile=/dev/null`;
  const env = { PATH: process.env.PATH, HOME: dir, GIT_SSH_COMMAND: ssh, GIT_CONFIG_NOSYSTEM: '1', LC_ALL: 'C' };
  const { stdout } = await execFileAsync('git', ['-c', 'protocol.version=2', 'ls-remote', url], { env });
  return stdout;
}

let good: { key: string; pub: string };
let knownHosts: string;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ssh-git-test-'));
  root = path.join(dir, 'repos');
  good = await keypair('good');
  server = await startSshGitServer({ root, authorizedKey: good.pub });
  await createBareRepo({ root, name: 'app', files: { 'x.txt': 'x\n' } });
  knownHosts = path.join(dir, 'known_hosts');
  await writeFile(knownHosts, `${server.knownHosts}\n`);
});

after(async () => {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

void test('serves a repository to the authorized key with a known host key', async () => {
  assert.match(server.repoUrl('app'), /^ssh:\/\/[^@]+@127\.0\.0\.1:\d+\/.+\/repos\/app\.git$/);
  const out = await lsRemote(server.repoUrl('app'), good.key, knownHosts);
  assert.match(out, /^[0-9a-f]{40}\trefs\/heads\/main$/m);
});

void test('rejects another key and an unknown host key', async () => {
  const other = await keypair('other');
  await assert.rejects(lsRemote(server.repoUrl('app'), other.key, knownHosts), /Permission denied/);
  const empty = path.join(dir, 'empty_known_hosts');
  await writeFile(empty, '');
  await assert.rejects(lsRemote(server.repoUrl('app'), good.key, empty), /Host key verification failed/);
});
