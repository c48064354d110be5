// fetchRevision's content options against the real test Git server: sparse checkout (Flux's
// spec.sparseCheckout semantics: only the listed directories, nothing at the root) and submodules
// (spec.recurseSubmodules: pinned commits, nested, relative and absolute URLs, the same credentials)
// and an HTTP proxy with Basic credentials (spec.proxySecretRef), through a proxy that counts requests.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { commitFiles, startGitServer, type GitServer } from '../../devenv/git-server.ts';
import { startTestProxy } from '../../devenv/http-proxy.ts';
import { GitOperationError } from './errors.ts';
import { fetchRevision, sparseDir, sparsePattern } from './fetch-revision.ts';

const auth = { username: 'alice', password: 'pw-features-1' };
let scratch: string;
let server: GitServer;
let n = 0;
const newDir = (): string => path.join(scratch, `co-${++n}`);

/** Files of a checkout, `.git` left out, as sorted relative paths. */
async function filesOf(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .filter((p) => !p.split(path.sep).includes('.git'))
    .sort();
}

before(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'fetch-features-'));
  server = await startGitServer({ root: path.join(scratch, 'repos'), ...auth });
  await server.createRepo('mono', {
    files: {
      'README.md': 'root\n',
      'apps/a.yaml': 'a\n',
      'apps/sub/b.yaml': 'b\n',
      'apps-old/c.yaml': 'c\n',
      'infra/d.yaml': 'd\n',
      'docs/e.md': 'e\n',
    },
  });
});
after(async () => {
  await server.stop();
  await rm(scratch, { recursive: true, force: true });
});

void test('sparse entries become anchored directory patterns, ./ and trailing / dropped, globs escaped', () => {
  assert.equal(sparseDir('./apps/'), 'apps');
  assert.equal(sparseDir('apps/sub'), 'apps/sub');
  assert.equal(sparsePattern('apps'), '/apps/');
  assert.equal(sparsePattern('a*b[1]'), '/a\\*b\\[1\\]/');
});

void test('sparseCheckout: only the listed directories are checked out, no root files, no sibling prefix', async () => {
  const dir = newDir();
  const got = await fetchRevision({
    url: server.repoUrl('mono'),
    auth,
    ref: { branch: 'main' },
    dir,
    sparseCheckout: ['./apps', 'infra/'],
  });
  assert.match(got.revision, /^main@sha1:[0-9a-f]{40}$/);
  assert.deepEqual(await filesOf(dir), ['apps/a.yaml', 'apps/sub/b.yaml', 'infra/d.yaml']);
  // Without sparseCheckout everything is there.
  const full = newDir();
  await fetchRevision({ url: server.repoUrl('mono'), auth, ref: { branch: 'main' }, dir: full });
  assert.equal((await filesOf(full)).length, 6);
});

void test('sparseCheckout of a directory the commit does not have fails the fetch, as Flux', async () => {
  await assert.rejects(
    fetchRevision({
      url: server.repoUrl('mono'),
      auth,
      ref: { branch: 'main' },
      dir: newDir(),
      sparseCheckout: ['apps', 'nope'],
    }),
    (err: unknown) => {
      assert.ok(err instanceof GitOperationError);
      assert.equal(
        err.message,
        `failed to sparse checkout directories : sparse checkout dir 'nope' does not exist in repository`,
      );
      return true;
    },
  );
  // A path that climbs out is never looked up outside the checkout.
  await assert.rejects(
    fetchRevision({
      url: server.repoUrl('mono'),
      auth,
      ref: { branch: 'main' },
      dir: newDir(),
      sparseCheckout: ['../repos'],
    }),
    /sparse checkout dir '..\/repos' does not exist in repository/,
  );
  assert.ok((await readdir(scratch)).includes('repos'));
});

void test('recurseSubmodules: nested submodules at their pinned commits, with the credentials, no .git files', async () => {
  await server.createRepo('leaf', { files: { 'leaf.yaml': 'leaf: 1\n' } });
  const leafPinned = (
    await commitFiles({
      repoUrl: server.repoUrl('leaf'),
      ...auth,
      files: { 'leaf.yaml': 'leaf: 2\n' },
      message: 'leaf 2',
    })
  ).sha;
  // A later commit is not what the parent pins: the pinned one must be checked out (not the tip).
  await commitFiles({
    repoUrl: server.repoUrl('leaf'),
    ...auth,
    files: { 'leaf.yaml': 'leaf: 3\n' },
    message: 'leaf 3',
  });
  await server.createRepo('middle', { files: { 'middle.yaml': 'middle\n' } });
  const middle = (
    await commitFiles({
      repoUrl: server.repoUrl('middle'),
      ...auth,
      files: {},
      submodules: { 'deps/leaf': { url: server.repoUrl('leaf'), commit: leafPinned } },
      message: 'add leaf',
    })
  ).sha;
  await server.createRepo('top', { files: { 'top.yaml': 'top\n' } });
  await commitFiles({
    repoUrl: server.repoUrl('top'),
    ...auth,
    files: {},
    submodules: { middle: { url: '../middle.git', commit: middle } },
    message: 'add middle',
  });

  const plain = newDir();
  await fetchRevision({ url: server.repoUrl('top'), auth, ref: { branch: 'main' }, dir: plain });
  assert.deepEqual(await filesOf(plain), ['.gitmodules', 'top.yaml']);

  const dir = newDir();
  await fetchRevision({ url: server.repoUrl('top'), auth, ref: { branch: 'main' }, dir, recurseSubmodules: true });
  assert.deepEqual(await filesOf(dir), [
    '.gitmodules',
    'middle/.gitmodules',
    'middle/deps/leaf/leaf.yaml',
    'middle/middle.yaml',
    'top.yaml',
  ]);
  assert.equal(await readFile(path.join(dir, 'middle/deps/leaf/leaf.yaml'), 'utf8'), 'leaf: 2\n');
  const entries = await readdir(path.join(dir, 'middle'));
  assert.ok(!entries.includes('.git'), 'the gitlink file of the submodule is left out');

  // Without credentials the submodules cannot be fetched either (the server requires them for every repo).
  await assert.rejects(
    fetchRevision({
      url: server.repoUrl('top'),
      auth: { username: 'alice', password: 'wrong' },
      dir: newDir(),
      ref: { branch: 'main' },
      recurseSubmodules: true,
    }),
    /authentication failed/,
  );
});

void test('proxy: every request goes through it with its credentials; a wrong proxy password fails without leaking', async () => {
  const proxyAuth = { username: 'proxy-user', password: 'proxy-Pa55-w0rd' };
  const proxy = await startTestProxy(proxyAuth);
  try {
    const before = server.requests.length;
    const dir = newDir();
    const got = await fetchRevision({
      url: server.repoUrl('mono'),
      auth,
      ref: { branch: 'main' },
      dir,
      proxy: { address: proxy.url, ...proxyAuth },
    });
    assert.match(got.revision, /^main@sha1:/);
    assert.ok((await filesOf(dir)).includes('apps/a.yaml'));
    const through = proxy.requests.filter((r) => r.status === 200 && r.target.startsWith(server.repoUrl('mono')));
    assert.ok(through.length >= 2, `expected the discovery and the fetch through the proxy, saw ${through.length}`);
    // The Git server saw exactly the requests the proxy forwarded, with the repository's credentials.
    assert.equal(server.requests.length - before, proxy.requests.filter((r) => r.status !== 407).length);
    assert.ok(server.requests.slice(before).every((r) => r.auth === 'basic'));

    await assert.rejects(
      fetchRevision({
        url: server.repoUrl('mono'),
        auth,
        ref: { branch: 'main' },
        dir: newDir(),
        proxy: { address: proxy.url, username: 'proxy-user', password: 'wrong-proxy-secret' },
      }),
      (err: unknown) => {
        assert.ok(err instanceof GitOperationError);
        assert.match(err.message, /407/);
        assert.ok(!err.message.includes('wrong-proxy-secret'), err.message);
        return true;
      },
    );
    assert.ok(proxy.requests.some((r) => r.status === 407));
  } finally {
    await proxy.stop();
  }
  // An ssh:// URL cannot use the HTTP proxy: refused, not silently bypassed.
  await assert.rejects(
    fetchRevision({ url: 'ssh://git@127.0.0.1:1/x.git', dir: newDir(), proxy: { address: 'http://127.0.0.1:1' } }),
    /a proxy is supported for http and https Git URLs only/,
  );
});
