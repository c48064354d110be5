import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scrubOutput } from './git-session.ts';

void test('scrubOutput masks secrets and userinfo and joins lines', () => {
  const key = '-----BEGIN KEY-----\nAAAAsecretline\n-----END KEY-----';
  const out = scrubOutput(
    `remote: token hunter22 rejected\nfatal: unable to access 'https://bob:pw@host/r.git/'\nkey AAAAsecretline\n`,
    ['hunter22', key],
  );
  assert.equal(out, "remote: token ***** rejected; fatal: unable to access 'https://host/r.git/'; key *****");
});

void test('scrubOutput keeps the tail of long output', () => {
  const out = scrubOutput(`${'x'.repeat(5000)}\nfatal: the real reason`, []);
  assert.ok(out.length <= 2001);
  assert.ok(out.endsWith('fatal: the real reason'));
});
