import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { commitFiles, startGitServer, type GitServer } from '../../devenv/git-server.ts';
import { GitAuthError, GitOperationError, GitUrlError } from './errors.ts';
import { fetchRevision, type FetchRevisionOptions } from './fetch-revision.ts';
import { listRemoteRefs } from './list-remote-refs.ts';

const execFileAsync = promisify(execFile);
const PASSWORD = 'pw-Sup3rSecret-9f1c';
const TOKEN = 'tok-Bearer-77ad0e5';
const good = { username: 'alice', password: PASSWORD };

let scratch: string;
let root: string;
let server: GitServer;
let url: string;
let shas: Record<'v100' | 'v150' | 'v1100' | 'rc' | 'old' | 'feature', string>;
let dirCount = 0;

const newDir = (): string => path.join(scratch, `co-${++dirCount}`);
const fetchInto = (opts: Omit<FetchRevisionOptions, 'dir'> & { dir?: string }) =>
  fetchRevision({ dir: newDir(), ...opts });
const commit = (files: Record<string, string | null>, message: string, extra: { tag?: string; branch?: string } = {}) =>
  commitFiles({ repoUrl: url, ...good, files, message, ...extra }).then((r) => r.sha);
const gitIn = async (dir: string, ...args: string[]): Promise<string> =>
  (await execFileAsync('git', ['-C', dir, ...args], { env: { PATH: process.env.PATH, HOME: scratch } })).stdout.trim();

/** Asserts a rejection of the given class whose message names the repo and never a credential. */
async function rejectsWith(p: Promise<unknown>, cls: typeof GitAuthError | typeof GitOperationError, pattern: RegExp) {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof cls, `expected ${cls.name}, got ${String(err)}`);
    assert.match(err.message, pattern);
    for (const secret of [PASSWORD, TOKEN, Buffer.from(`alice:${PASSWORD}`).toString('base64')]) {
      assert.ok(!err.message.includes(secret), 'message leaks a credential');
      assert.ok(!String(err.stack).includes(secret), 'stack leaks a credential');
    }
    return true;
  });
}

before(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'fetch-revision-test-'));
  root = path.join(scratch, 'repos');
  server = await startGitServer({ root, ...good, bearerToken: TOKEN });
  await server.createRepo('app', { files: { 'app.yaml': 'v: 0\n' } });
  await server.createRepo('legacy', { branch: 'master', files: { 'x.txt': 'legacy\n' } });
  url = server.repoUrl('app');
  const old = await commit({ 'app.yaml': 'v: old\n' }, 'old state');
  const v100 = await commit({ 'app.yaml': 'v: 1.0.0\n' }, 'release 1.0.0', { tag: 'v1.0.0' });
  const v150 = await commit({ 'app.yaml': 'v: 1.5.0\n' }, 'release 1.5.0', { tag: '1.5.0' });
  const v1100 = await commit({ 'app.yaml': 'v: 1.10.0\n' }, 'release 1.10.0\n\nwith a body', { tag: 'v1.10.0' });
  const rc = await commit({ 'app.yaml': 'v: 2.0.0-rc.1\n' }, 'rc', { tag: 'v2.0.0-rc.1' });
  const feature = await commit({ 'feature.txt': 'f\n' }, 'feature work', { branch: 'feature/x' });
  shas = { v100, v150, v1100, rc, old, feature };
});

after(async () => {
  await server.stop();
  await rm(scratch, { recursive: true, force: true });
});

void test('branch: shallow fetch with basic auth gives main@sha1:<sha> and the files', async () => {
  const dir = newDir();
  const got = await fetchRevision({ url, auth: good, ref: { branch: 'main' }, dir });
  assert.equal(got.revision, `main@sha1:${shas.rc}`);
  assert.equal(got.commit, shas.rc);
  assert.equal(got.ref, 'refs/heads/main');
  assert.equal(got.message, 'rc');
  assert.ok(!Number.isNaN(got.commitTime.getTime()) && got.commitTime.getFullYear() >= 2024);
  assert.equal(await readFile(path.join(dir, 'app.yaml'), 'utf8'), 'v: 2.0.0-rc.1\n');
  assert.equal(await gitIn(dir, 'rev-parse', '--is-shallow-repository'), 'true');
  const branch = await fetchInto({ url, auth: good, ref: { branch: 'feature/x' } });
  assert.equal(branch.revision, `feature/x@sha1:${shas.feature}`);
});

void test('no ref means branch master', async () => {
  const got = await fetchInto({ url: server.repoUrl('legacy'), auth: good });
  assert.match(got.revision, /^master@sha1:[0-9a-f]{40}$/);
  assert.equal(got.ref, 'refs/heads/master');
});

void test('bearer token works; wrong or missing credentials fail with GitAuthError and leak nothing', async () => {
  const got = await fetchInto({ url, auth: { bearerToken: TOKEN }, ref: { branch: 'main' } });
  assert.equal(got.commit, shas.rc);
  const where = /'http:\/\/127\.0\.0\.1:\d+\/app\.git' \(branch 'main'\)/;
  await rejectsWith(
    fetchInto({ url, auth: { username: 'alice', password: 'wrong' }, ref: { branch: 'main' } }),
    GitAuthError,
    where,
  );
  await rejectsWith(
    fetchInto({ url, auth: { username: 'mallory', password: PASSWORD }, ref: { branch: 'main' } }),
    GitAuthError,
    where,
  );
  await rejectsWith(
    fetchInto({ url, auth: { bearerToken: `${TOKEN}-x` }, ref: { branch: 'main' } }),
    GitAuthError,
    where,
  );
  await rejectsWith(fetchInto({ url, ref: { branch: 'main' } }), GitAuthError, where);
  const err = await fetchInto({ url, ref: { branch: 'main' } }).catch((e: unknown) => e);
  assert.ok(err instanceof GitAuthError);
});

void test('tag: annotated tags resolve to their commit', async () => {
  const got = await fetchInto({ url, auth: good, ref: { tag: 'v1.0.0' } });
  assert.equal(got.revision, `v1.0.0@sha1:${shas.v100}`);
  assert.equal(got.ref, 'refs/tags/v1.0.0');
});

void test('semver: highest satisfying tag, leading v tolerated, prereleases skipped', async () => {
  const dir = newDir();
  const got = await fetchRevision({ url, auth: good, ref: { semver: '^1.0.0' }, dir });
  assert.equal(got.revision, `v1.10.0@sha1:${shas.v1100}`);
  assert.equal(got.message, 'release 1.10.0\n\nwith a body');
  assert.equal(await readFile(path.join(dir, 'app.yaml'), 'utf8'), 'v: 1.10.0\n');
  assert.equal((await fetchInto({ url, auth: good, ref: { semver: '<1.6' } })).revision, `1.5.0@sha1:${shas.v150}`);
  assert.equal((await fetchInto({ url, auth: good, ref: { semver: '>=2.0.0-0' } })).commit, shas.rc);
  await rejectsWith(
    fetchInto({ url, auth: good, ref: { semver: '>=3' } }),
    GitOperationError,
    /no tag .* matches semver '>=3'/,
  );
});

void test('name: exact ref, revision keeps the full ref', async () => {
  const bare = path.join(root, 'app.git');
  await gitIn(bare, 'update-ref', 'refs/pull/7/head', shas.old);
  const got = await fetchInto({ url, auth: good, ref: { name: 'refs/pull/7/head', branch: 'main' } });
  assert.equal(got.revision, `refs/pull/7/head@sha1:${shas.old}`);
  const main = await fetchInto({ url, auth: good, ref: { name: 'refs/heads/main' } });
  assert.equal(main.revision, `refs/heads/main@sha1:${shas.rc}`);
});

void test('commit: bare commit gives sha1:<sha>, with branch gives <branch>@sha1:<sha>', async () => {
  const dir = newDir();
  const bare = await fetchRevision({ url, auth: good, ref: { commit: shas.old }, dir });
  assert.equal(bare.revision, `sha1:${shas.old}`);
  assert.equal(bare.ref, '');
  assert.equal(await readFile(path.join(dir, 'app.yaml'), 'utf8'), 'v: old\n');
  assert.equal(await gitIn(dir, 'rev-parse', 'HEAD'), shas.old);
  const onBranch = await fetchInto({ url, auth: good, ref: { commit: shas.v100, branch: 'main' } });
  assert.equal(onBranch.revision, `main@sha1:${shas.v100}`);
  await rejectsWith(
    fetchInto({ url, auth: good, ref: { commit: shas.feature, branch: 'main' } }),
    GitOperationError,
    new RegExp(`commit '${shas.feature}' on branch 'main' was not found`),
  );
  await rejectsWith(
    fetchInto({ url, auth: good, ref: { commit: 'f'.repeat(40) } }),
    GitOperationError,
    /was not found/,
  );
});

void test('missing branch or tag is a GitOperationError naming the ref and URL', async () => {
  await rejectsWith(
    fetchInto({ url, auth: good, ref: { branch: 'nope' } }),
    GitOperationError,
    /failed to fetch from 'http:\/\/127\.0\.0\.1:\d+\/app\.git' \(branch 'nope'\): .*couldn't find remote ref refs\/heads\/nope/,
  );
  await rejectsWith(fetchInto({ url, auth: good, ref: { tag: 'v9' } }), GitOperationError, /tag 'v9'/);
});

void test('a new commit moves the branch to a new revision', async () => {
  const before = await fetchInto({ url: server.repoUrl('legacy'), auth: good });
  const sha = (
    await commitFiles({
      repoUrl: server.repoUrl('legacy'),
      ...good,
      branch: 'master',
      files: { 'x.txt': 'new\n' },
      message: 'move',
    })
  ).sha;
  const dir = newDir();
  const afterMove = await fetchRevision({ url: server.repoUrl('legacy'), auth: good, dir });
  assert.notEqual(afterMove.revision, before.revision);
  assert.equal(afterMove.revision, `master@sha1:${sha}`);
  assert.equal(await readFile(path.join(dir, 'x.txt'), 'utf8'), 'new\n');
});

void test('server faults: 500 and dropped connections fail, a hang times out, abort stops', async () => {
  try {
    server.setFault('status500');
    await rejectsWith(
      fetchInto({ url, auth: good, ref: { branch: 'main' } }),
      GitOperationError,
      /returned error: 500/,
    );
    server.setFault('drop');
    await rejectsWith(
      fetchInto({ url, auth: good, ref: { branch: 'main' } }),
      GitOperationError,
      /failed to fetch from/,
    );
    server.setFault('hang');
    await rejectsWith(fetchInto({ url, auth: good, timeoutMs: 1000 }), GitOperationError, /timed out after 1000ms/);
    const controller = new AbortController();
    const seen = server.requests.length;
    const pending = fetchInto({ url, auth: good, signal: controller.signal });
    // Abort once git's request hangs on the server, so the abort stops a fetch in flight.
    for (const deadline = Date.now() + 10_000; server.requests.length === seen; await delay(20)) {
      assert.ok(Date.now() < deadline, 'git did not reach the server within 10 s');
    }
    controller.abort();
    await rejectsWith(pending, GitOperationError, /was aborted/);
  } finally {
    server.setFault('none');
  }
});

void test('credentials never reach argv, and temp credential files are removed', async () => {
  const tmp = await mkdtemp(path.join(scratch, 'tmp-'));
  const log = path.join(scratch, 'argv.log');
  const wrapper = path.join(scratch, 'git-wrapper.mjs');
  // Records each argv, then runs the real git with the same arguments and environment.
  await writeFile(
    wrapper,
    `#!${process.execPath}\nimport { appendFileSync } from 'node:fs';\nimport { spawnSync } from 'node:child_process';\n` +
      `appendFileSync(${JSON.stringify(log)}, JSON.stringify(process.argv.slice(2)) + '\\n');\n` +
      `const r = spawnSync('git', process.argv.slice(2), { stdio: 'inherit' });\nprocess.exit(r.status ?? 1);\n`,
  );
  await chmod(wrapper, 0o755);
  await fetchInto({ url, auth: good, ref: { semver: '*' }, gitBinary: wrapper, tmpDir: tmp });
  await fetchInto({
    url,
    auth: { bearerToken: TOKEN, caCert: 'x' },
    ref: { branch: 'main' },
    gitBinary: wrapper,
    tmpDir: tmp,
  });
  await assert.rejects(
    fetchInto({ url, auth: { ...good, password: `${PASSWORD}!` }, gitBinary: wrapper, tmpDir: tmp }),
  );
  const argv = await readFile(log, 'utf8');
  assert.ok(argv.includes('fetch') && argv.includes('core.hooksPath=/dev/null'), 'the wrapper saw the git calls');
  for (const secret of [PASSWORD, TOKEN, Buffer.from(`alice:${PASSWORD}`).toString('base64')]) {
    assert.ok(!argv.includes(secret), 'a credential appeared in argv');
  }
  assert.deepEqual(await readdir(tmp), []);
});

void test('rejects bad URLs, bad refs and non-empty dirs before touching the network', async () => {
  const requests = server.requests.length;
  await assert.rejects(fetchInto({ url: 'file:///etc' }), GitUrlError);
  await assert.rejects(fetchInto({ url: '-uhttp://x' }), GitUrlError);
  await assert.rejects(fetchInto({ url: `http://alice:${PASSWORD}@127.0.0.1/x.git` }), (err: unknown) => {
    return err instanceof GitUrlError && !err.message.includes(PASSWORD);
  });
  await assert.rejects(fetchInto({ url, auth: good, ref: { branch: '--upload-pack=evil' } }), GitOperationError);
  await assert.rejects(fetchRevision({ url, auth: good, dir: root }), /not empty/);
  assert.equal(server.requests.length, requests);
});

void test('listRemoteRefs lists heads and tags with peeled commits', async () => {
  const tags = await listRemoteRefs({ url, auth: good, kind: 'tags' });
  const v1 = tags.find((r) => r.name === 'refs/tags/v1.0.0');
  assert.equal(v1?.peeled, shas.v100);
  assert.ok(tags.every((r) => r.name.startsWith('refs/tags/') && !r.name.endsWith('^{}')));
  const heads = await listRemoteRefs({ url, auth: good, kind: 'heads' });
  assert.deepEqual(heads.map((r) => r.name).sort(), ['refs/heads/feature/x', 'refs/heads/main']);
  await assert.rejects(listRemoteRefs({ url, auth: { username: 'alice', password: 'bad' } }), GitAuthError);
});
