import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GitUrlError } from './errors.ts';
import { redactUrl, validateGitUrl } from './url.ts';

void test('accepts http, https and ssh URLs', () => {
  for (const url of [
    'https://github.com/org/repo',
    'http://127.0.0.1:8080/r.git',
    'ssh://git@github.com/org/repo.git',
  ]) {
    assert.equal(validateGitUrl(url).href, url);
  }
});

void test('rejects other schemes, option-like and malformed URLs with URLInvalid', () => {
  const bad = [
    'file:///etc',
    'ext::sh -c touch% /tmp/pwned',
    '-oProxyCommand=touch /tmp/x',
    'git@github.com:org/repo.git',
    'git://github.com/org/repo',
    'https://host/repo\n.git',
    'ssh:///no/host.git',
    'ftp://host/x',
  ];
  for (const url of bad) {
    assert.throws(
      () => validateGitUrl(url),
      (err: unknown) => err instanceof GitUrlError,
      url,
    );
  }
});

void test('rejects passwords in the URL without echoing them', () => {
  assert.throws(
    () => validateGitUrl('https://bob:hunter22@host/repo.git'),
    (err: unknown) =>
      err instanceof GitUrlError && !err.message.includes('hunter22') && err.message.includes('secretRef'),
  );
});

void test('redacts userinfo, query and fragment', () => {
  assert.equal(redactUrl('https://bob:pw@host/r.git?token=x#f'), 'https://host/r.git');
  assert.equal(redactUrl('ssh://git@host/r.git'), 'ssh://host/r.git');
  assert.equal(redactUrl('not a url //bob:pw@host/x?token=1'), 'not a url //host/x');
});
