import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatRevision, parseRevision, shortRefName } from './revision.ts';

const sha = 'a'.repeat(39) + 'b';
const sha256 = 'c'.repeat(64);

void test('formats Flux revisions', () => {
  assert.equal(formatRevision({ ref: 'main', sha }), `main@sha1:${sha}`);
  assert.equal(formatRevision({ ref: 'refs/heads/main', sha }), `refs/heads/main@sha1:${sha}`);
  assert.equal(formatRevision({ sha }), `sha1:${sha}`);
  assert.equal(formatRevision({ ref: '', sha }), `sha1:${sha}`);
  assert.equal(formatRevision({ ref: 'v1.2.3', sha: sha256 }), `v1.2.3@sha256:${sha256}`);
});

void test('shortens heads and tags only', () => {
  assert.equal(shortRefName('refs/heads/feature/x'), 'feature/x');
  assert.equal(shortRefName('refs/tags/v1.0.0'), 'v1.0.0');
  assert.equal(shortRefName('refs/pull/1/head'), 'refs/pull/1/head');
});

void test('parses current, bare and legacy revisions', () => {
  assert.deepEqual(parseRevision(`main@sha1:${sha}`), { ref: 'main', algo: 'sha1', sha });
  assert.deepEqual(parseRevision(`feature/x@sha1:${sha}`), { ref: 'feature/x', algo: 'sha1', sha });
  assert.deepEqual(parseRevision(`refs/heads/main@sha1:${sha}`), { ref: 'refs/heads/main', algo: 'sha1', sha });
  assert.deepEqual(parseRevision(`sha1:${sha}`), { algo: 'sha1', sha });
  assert.deepEqual(parseRevision(`v1@sha256:${sha256}`), { ref: 'v1', algo: 'sha256', sha: sha256 });
  assert.deepEqual(parseRevision(`main/${sha}`), { ref: 'main', algo: 'sha1', sha });
  assert.deepEqual(parseRevision(`feature/x/${sha}`), { ref: 'feature/x', algo: 'sha1', sha });
  assert.deepEqual(parseRevision(sha.toUpperCase()), { algo: 'sha1', sha });
});

void test('rejects malformed revisions', () => {
  for (const bad of [
    '',
    'main',
    `main@md5:${sha}`,
    `main@sha1:${sha.slice(1)}`,
    `@sha1:${sha}`,
    `/${sha}`,
    'main/xyz',
  ]) {
    assert.equal(parseRevision(bad), undefined, bad);
  }
  assert.equal(parseRevision(`main@sha1:${sha256}`), undefined, 'length must match the algorithm');
});
