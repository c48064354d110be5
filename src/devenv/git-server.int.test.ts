import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { promisify } from 'node:util';
import { commitFiles, startGitServer, type GitServer } from './git-server.ts';

const execFileAsync = promisify(execFile);

let root: string;
let work: string;
let server: GitServer;
const creds = { username: 'alice', password: 'wonderland' };

/** Plain git with the given Authorization header in config env, isolated from the machine's config. */
async function git(
  args: string[],
  header?: string,
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<{ stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {
    ...extraEnv,
    PATH: process.env.PATH,
    HOME: work,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    LC_ALL: 'C',
  };
  if (header !== undefined) {
    Object.assign(env, { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.extraHeader', GIT_CONFIG_VALUE_0: header });
  }
  return execFileAsync('git', args, { env, cwd: work });
}

const basic = `Authorization: Basic ${Buffer.from('alice:wonderland').toString('base64')}`;

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'git-server-test-'));
  work = await mkdtemp(path.join(tmpdir(), 'git-server-work-'));
  server = await startGitServer({ root, ...creds, bearerToken: 'tok-123' });
  await server.createRepo('app', { files: { 'a.txt': 'one\n', 'dir/b.txt': 'two\n' } });
});

after(async () => {
  await server.stop();
  await rm(root, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

void test('serves ls-remote over protocol v2 with basic auth', async () => {
  const { stdout, stderr } = await git(['-c', 'protocol.version=2', 'ls-remote', server.repoUrl('app')], basic, {
    GIT_TRACE_PACKET: '1',
  });
  assert.match(stdout, /^[0-9a-f]{40}\trefs\/heads\/main$/m);
  assert.match(stderr, /< version 2/, 'the server answered in protocol v2');
  const seen = server.requests.filter((r) => r.auth === 'basic' && r.status === 200);
  assert.ok(
    seen.some((r) => r.gitProtocol === 'version=2'),
    'a request carried Git-Protocol: version=2',
  );
});

void test('accepts a bearer token', async () => {
  const { stdout } = await git(['ls-remote', server.repoUrl('app')], 'Authorization: Bearer tok-123');
  assert.match(stdout, /refs\/heads\/main/);
});

void test('answers 401 with a Basic challenge without valid credentials', async () => {
  const res = await fetch(`${server.repoUrl('app')}/info/refs?service=git-upload-pack`);
  assert.equal(res.status, 401);
  assert.equal(res.headers.get('www-authenticate'), 'Basic realm="git"');
  const wrong = `Authorization: Basic ${Buffer.from('alice:nope').toString('base64')}`;
  await assert.rejects(git(['ls-remote', server.repoUrl('app')], wrong), /Authentication failed|could not read/);
  await assert.rejects(git(['ls-remote', server.repoUrl('app')], 'Authorization: Bearer wrong'));
});

void test('commitFiles pushes changes, deletions, symlinks and tags that a clone sees', async () => {
  const first = await commitFiles({
    repoUrl: server.repoUrl('app'),
    ...creds,
    files: { 'a.txt': 'changed\n', 'dir/b.txt': null, link: { symlink: '/etc/passwd' } },
    message: 'change things',
    tag: 'v1.0.0',
  });
  assert.match(first.sha, /^[0-9a-f]{40}$/);
  const clone = path.join(work, 'clone');
  await git(['clone', '-q', server.repoUrl('app'), clone], basic);
  assert.equal((await git(['-C', clone, 'rev-parse', 'HEAD'])).stdout.trim(), first.sha);
  assert.equal(await readFile(path.join(clone, 'a.txt'), 'utf8'), 'changed\n');
  await assert.rejects(readFile(path.join(clone, 'dir/b.txt')), { code: 'ENOENT' });
  assert.equal(await readlink(path.join(clone, 'link')), '/etc/passwd');
  const tags = (await git(['ls-remote', '--tags', server.repoUrl('app')], basic)).stdout;
  assert.match(tags, /refs\/tags\/v1\.0\.0\^\{\}/, 'annotated tag is advertised with a peeled entry');
  assert.ok(tags.includes(`${first.sha}\trefs/tags/v1.0.0^{}`));

  const keep = path.join(work, 'keep');
  const second = await commitFiles({ repoUrl: server.repoUrl('app'), ...creds, dir: keep, files: {}, message: 'two' });
  const third = await commitFiles({ repoUrl: server.repoUrl('app'), ...creds, dir: keep, files: {}, message: 'three' });
  assert.notEqual(second.sha, third.sha);
  const heads = (await git(['ls-remote', '--heads', server.repoUrl('app')], basic)).stdout;
  assert.ok(heads.includes(`${third.sha}\trefs/heads/main`));
});

void test('faults: status500, drop and hang', async () => {
  const url = `${server.repoUrl('app')}/info/refs?service=git-upload-pack`;
  const headers = { authorization: basic.replace('Authorization: ', '') };
  try {
    server.setFault('status500');
    assert.equal((await fetch(url, { headers })).status, 500);
    server.setFault('drop');
    await assert.rejects(fetch(url, { headers }));
    server.setFault('hang');
    await assert.rejects(fetch(url, { headers, signal: AbortSignal.timeout(300) }), { name: 'TimeoutError' });
  } finally {
    server.setFault('none');
  }
  assert.equal((await fetch(url, { headers })).status, 200);
});
