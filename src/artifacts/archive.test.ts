import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, symlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ArchiveMode, archiveDirectory } from './archive.ts';
import { sha256Digest } from './digest.ts';
import { ArchiveError } from './errors.ts';
import { buildIgnoreMatcher } from './ignore.ts';
import { readTarGz, tempDir } from './test-support.ts';

async function tree(root: string, map: Record<string, string>): Promise<void> {
  for (const [rel, content] of Object.entries(map)) {
    await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await writeFile(path.join(root, rel), content);
  }
}

async function archiveError(promise: Promise<unknown>): Promise<ArchiveError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ArchiveError, `expected ArchiveError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected archiveDirectory to fail');
}

void test('entries are sorted, normalised and free of host metadata', async (t) => {
  const dir = await tempDir(t);
  await tree(dir, { 'b.yaml': 'b: 1\n', 'a/z.yaml': 'z\n', 'a/c.yaml': 'c\n', 'run.sh': '#!/bin/sh\n' });
  await chmod(path.join(dir, 'run.sh'), 0o775);
  await chmod(path.join(dir, 'b.yaml'), 0o666);
  const entries = await readTarGz((await archiveDirectory({ dir })).data);
  assert.deepEqual(
    entries.map((e) => [e.header.name, e.header.type, e.header.mode]),
    [
      ['a/', 'directory', ArchiveMode.directory],
      ['a/c.yaml', 'file', ArchiveMode.file],
      ['a/z.yaml', 'file', ArchiveMode.file],
      ['b.yaml', 'file', ArchiveMode.file],
      ['run.sh', 'file', ArchiveMode.executable],
    ],
  );
  for (const { header } of entries) {
    assert.equal(header.mtime.getTime(), 0);
    assert.equal(header.uid, 0);
    assert.equal(header.gid, 0);
    assert.equal(header.uname, '');
    assert.equal(header.gname, '');
  }
  assert.equal(entries.find((e) => e.header.name === 'b.yaml')?.content.toString(), 'b: 1\n');
});

void test('archiving twice gives identical bytes and digest, whatever the mtimes', async (t) => {
  const dir = await tempDir(t);
  const longName = `${'a-very-long-directory-name-'.repeat(5)}/f`;
  await tree(dir, { 'k.yaml': 'kind: X\n', 'sub/deep/f.txt': 'x'.repeat(100_000), [longName]: 'long\n' });
  const first = (await archiveDirectory({ dir })).data;
  await utimes(path.join(dir, 'k.yaml'), new Date('2001-01-01'), new Date('2001-01-01'));
  await utimes(path.join(dir, 'sub'), new Date('2011-01-01'), new Date('2011-01-01'));
  const second = (await archiveDirectory({ dir })).data;
  assert.ok(first.equals(second));
  assert.equal(sha256Digest(first), sha256Digest(second));
  await writeFile(path.join(dir, 'k.yaml'), 'kind: Y\n');
  assert.notEqual(sha256Digest((await archiveDirectory({ dir })).data), sha256Digest(first));
});

void test('the ignore matcher excludes files and whole directories', async (t) => {
  const dir = await tempDir(t);
  await tree(dir, {
    '.git/config': '[core]\n',
    'logo.png': 'png',
    'app/k.yaml': 'k\n',
    'app/notes.md': 'n\n',
    '.sourceignore': '*.md\n',
  });
  const ignore = await buildIgnoreMatcher({ root: dir });
  const names = (await readTarGz((await archiveDirectory({ dir, ignore })).data)).map((e) => e.header.name);
  assert.deepEqual(names, ['.sourceignore', 'app/', 'app/k.yaml']);
});

void test('a symlink resolving inside the tree is stored as a regular file with the target content', async (t) => {
  const dir = await tempDir(t);
  await tree(dir, { 'base/k.yaml': 'kind: K\n' });
  await symlink('base/k.yaml', path.join(dir, 'link.yaml'));
  await symlink('base', path.join(dir, 'linked-dir'));
  const entries = await readTarGz((await archiveDirectory({ dir })).data);
  const link = entries.find((e) => e.header.name === 'link.yaml');
  assert.equal(link?.header.type, 'file');
  assert.equal(link?.content.toString(), 'kind: K\n');
  assert.equal(entries.find((e) => e.header.name === 'linked-dir/k.yaml')?.content.toString(), 'kind: K\n');
  assert.ok(entries.every((e) => e.header.type === 'file' || e.header.type === 'directory'));
});

void test('a symlink to /etc/passwd is left out and named, the rest is archived', async (t) => {
  const dir = await tempDir(t);
  await tree(dir, { 'ok.yaml': 'a\n' });
  await symlink('/etc/passwd', path.join(dir, 'passwd'));
  await symlink('/etc', path.join(dir, 'etc-dir'));
  const result = await archiveDirectory({ dir });
  assert.deepEqual(result.skippedSymlinks, ['etc-dir', 'passwd']);
  const entries = await readTarGz(result.data);
  assert.deepEqual(
    entries.map((e) => e.header.name),
    ['ok.yaml'],
  );
  assert.ok(entries.every((e) => !e.content.toString().includes('root:')));
});

void test('a relative symlink chain escaping the root is left out without reading what it points to', async (t) => {
  const outer = await tempDir(t);
  const dir = path.join(outer, 'repo');
  await tree(outer, { 'secret.txt': 'TOP-SECRET\n', 'repo/apps/ok.yaml': 'a\n' });
  await symlink('../..', path.join(dir, 'apps', 'up'));
  await symlink('apps/up/secret.txt', path.join(dir, 'chain'));
  const result = await archiveDirectory({ dir });
  assert.deepEqual(result.skippedSymlinks, ['apps/up', 'chain']);
  const entries = await readTarGz(result.data);
  assert.deepEqual(
    entries.map((e) => e.header.name),
    ['apps/', 'apps/ok.yaml'],
  );
  assert.ok(entries.every((e) => !e.content.toString().includes('TOP-SECRET')));
});

void test('symlink loops fail instead of hanging', async (t) => {
  const dir = await tempDir(t);
  await symlink('b', path.join(dir, 'a'));
  await symlink('a', path.join(dir, 'b'));
  assert.match((await archiveError(archiveDirectory({ dir }))).message, /symlink "a" is part of a symlink loop/);

  const dir2 = await tempDir(t);
  await tree(dir2, { 'sub/f.yaml': 'f\n' });
  await symlink('..', path.join(dir2, 'sub', 'parent'));
  assert.match(
    (await archiveError(archiveDirectory({ dir: dir2 }))).message,
    /symlink "sub\/parent" points to one of its own parent/,
  );
});

void test('symlinks into excluded paths and dangling symlinks are left out', async (t) => {
  const dir = await tempDir(t);
  await tree(dir, { '.git/config': 'url = https://token@example.com\n', 'k.yaml': 'k\n' });
  await symlink('.git/config', path.join(dir, 'config'));
  await symlink('missing.yaml', path.join(dir, 'dangling.yaml'));
  const ignore = await buildIgnoreMatcher({ root: dir });
  const names = (await readTarGz((await archiveDirectory({ dir, ignore })).data)).map((e) => e.header.name);
  assert.deepEqual(names, ['k.yaml']);
});

void test('an ignored bad symlink does not fail the archive', async (t) => {
  const dir = await tempDir(t);
  await tree(dir, { '.sourceignore': 'passwd\n', 'k.yaml': 'k\n' });
  await symlink('/etc/passwd', path.join(dir, 'passwd'));
  const ignore = await buildIgnoreMatcher({ root: dir });
  const names = (await readTarGz((await archiveDirectory({ dir, ignore })).data)).map((e) => e.header.name);
  assert.deepEqual(names, ['.sourceignore', 'k.yaml']);
});

void test('caps on file size, total size and entry count fail with the file and limit named', async (t) => {
  const dir = await tempDir(t);
  await tree(dir, { 'a.yaml': 'x'.repeat(600), 'b/big.yaml': 'x'.repeat(2048), 'c.yaml': 'x'.repeat(600) });
  assert.match(
    (await archiveError(archiveDirectory({ dir, maxFileBytes: 1024 }))).message,
    /file "b\/big.yaml" is 2048 bytes, over the per-file limit of 1 KiB/,
  );
  assert.match(
    (await archiveError(archiveDirectory({ dir, maxTotalBytes: 3000 }))).message,
    /total size limit of 3000 bytes at file "c.yaml"/,
  );
  assert.match(
    (await archiveError(archiveDirectory({ dir, maxFiles: 3 }))).message,
    /limit of 3 files and directories at "c.yaml"/,
  );
  assert.ok((await archiveDirectory({ dir, maxFileBytes: 2048, maxTotalBytes: 3248, maxFiles: 4 })).data.length > 0);
});

void test('a missing directory fails with ArchiveError', async (t) => {
  const dir = await tempDir(t);
  await archiveError(archiveDirectory({ dir: path.join(dir, 'nope') }));
});
