import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MaxNamedSymlinks, skippedSymlinksEvent } from './skipped-symlinks.ts';

test('one Warning event names the left-out link and carries the revision', () => {
  const e = skippedSymlinksEvent(['deploy/passwd'], 'main@sha1:abc');
  assert.equal(e.type, 'Warning');
  assert.equal(e.reason, 'SymlinkSkipped');
  assert.match(e.message, /^left out of the artifact: symlink 'deploy\/passwd' points outside the repository;/);
  assert.deepEqual(e.metadata, { revision: 'main@sha1:abc' });
});

test('many links are named up to the cap and counted beyond it', () => {
  const links = Array.from({ length: MaxNamedSymlinks + 3 }, (_, i) => `l${i}`);
  const e = skippedSymlinksEvent(links, 'r');
  assert.match(e.message, /symlinks 'l0', 'l1',.* 'l9' and 3 more point outside the repository/);
  assert.doesNotMatch(e.message, /'l10'/);
});
