import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commitUrl } from './forge.ts';

const sha = '0123456789abcdef0123456789abcdef01234567';

test('a revision links to its commit on known forges, from https and ssh URLs', () => {
  assert.equal(
    commitUrl('https://github.com/org/fleet.git', `main@sha1:${sha}`),
    `https://github.com/org/fleet/commit/${sha}`,
  );
  assert.equal(
    commitUrl('ssh://git@github.com/org/fleet', `sha1:${sha}`),
    `https://github.com/org/fleet/commit/${sha}`,
  );
  assert.equal(
    commitUrl('https://gitlab.com/group/sub/fleet', `refs/tags/v1@sha1:${sha}`),
    `https://gitlab.com/group/sub/fleet/-/commit/${sha}`,
  );
  assert.equal(
    commitUrl('https://bitbucket.org/o/r.git', `main@sha1:${sha}`),
    `https://bitbucket.org/o/r/commits/${sha}`,
  );
});

test('no link for unknown hosts, non-commit revisions or odd URLs', () => {
  assert.equal(commitUrl('https://git.example.com/o/r', `main@sha1:${sha}`), undefined);
  assert.equal(commitUrl('https://github.com/o/r', 'sha256:abc'), undefined);
  assert.equal(commitUrl('https://github.com/o/r', `main@sha1:${sha}"><script>`), undefined);
  assert.equal(commitUrl('javascript:alert(1)//github.com/o/r', `main@sha1:${sha}`), undefined);
  assert.equal(commitUrl('https://github.com/o', `main@sha1:${sha}`), undefined);
  assert.equal(commitUrl(undefined, `main@sha1:${sha}`), undefined);
});
