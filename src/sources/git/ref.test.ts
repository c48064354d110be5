import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GitOperationError } from './errors.ts';
import { describeRef, isValidRefName, planRef } from './ref.ts';

const sha = '0123456789abcdef0123456789abcdef01234567';

void test('applies Flux precedence commit > name > semver > tag > branch, default master', () => {
  const all = { branch: 'dev', tag: 'v1', semver: '^1', name: 'refs/pull/1/head', commit: sha };
  assert.deepEqual(planRef(all), { kind: 'commit', commit: sha, branch: 'dev' });
  assert.deepEqual(planRef({ ...all, commit: undefined }), { kind: 'name', name: 'refs/pull/1/head' });
  assert.deepEqual(planRef({ ...all, commit: '', name: undefined }), { kind: 'semver', range: '^1' });
  assert.deepEqual(planRef({ branch: 'dev', tag: 'v1' }), { kind: 'tag', tag: 'v1' });
  assert.deepEqual(planRef({ branch: 'dev' }), { kind: 'branch', branch: 'dev' });
  assert.deepEqual(planRef(), { kind: 'branch', branch: 'master' });
  assert.deepEqual(planRef({ commit: sha.toUpperCase() }), { kind: 'commit', commit: sha });
});

void test('validates ref names like git check-ref-format', () => {
  for (const good of ['refs/heads/main', 'refs/heads/feature/x', 'refs/tags/v1.2.3', 'refs/pull/42/head']) {
    assert.ok(isValidRefName(good), good);
  }
  const bad = [
    'main',
    'refs/heads/',
    'refs/heads/a..b',
    'refs/heads/a b',
    'refs/heads/a:b',
    'refs/heads/.hidden',
    'refs/heads/x.lock',
    'refs/heads/a//b',
    'refs/heads/a@{1}',
    'refs/heads/-x',
    'refs/heads/a\\b',
    'refs/heads/a\nb',
    'refs/heads/a*',
    'refs/heads/end.',
  ];
  for (const name of bad) assert.equal(isValidRefName(name), false, JSON.stringify(name));
});

void test('rejects malformed refs with GitOperationError naming the field', () => {
  assert.throws(
    () => planRef({ branch: 'a..b' }),
    (err: unknown) => {
      assert.ok(err instanceof GitOperationError);
      assert.match(err.message, /invalid branch name 'a\.\.b'/);
      return true;
    },
  );
  assert.throws(() => planRef({ tag: 'v1:refs/heads/x' }), /invalid tag name/);
  assert.throws(() => planRef({ name: 'main' }), /\.spec\.ref\.name/);
  assert.throws(() => planRef({ semver: 'not a range' }), /invalid semver range/);
  assert.deepEqual(planRef({ semver: '>=1.0.0, <2.0.0' }), { kind: 'semver', range: '>=1.0.0, <2.0.0' });
  assert.throws(() => planRef({ commit: 'abc123' }), /full 40 or 64 hex/);
  assert.throws(() => planRef({ commit: sha, branch: 'x y' }), /invalid branch name/);
});

void test('describes plans for messages', () => {
  assert.equal(describeRef({ kind: 'commit', commit: sha, branch: 'main' }), `commit '${sha}' on branch 'main'`);
  assert.equal(describeRef({ kind: 'semver', range: '>=1' }), "semver '>=1'");
});
