// fetchRevision's content options against the real test Git server: sparse checkout (Flux's
// spec.sparseCheckout semantics: only the listed directories, nothing at the root).
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startGitServer, type GitServer } from '../../devenv/git-server.ts';
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
    .filter((p) => p !== '.git' && !p.startsWith('.git/') && !p.includes('/.git'))
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
