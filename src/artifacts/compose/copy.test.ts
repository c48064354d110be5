import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { archiveDirectory } from '../archive.ts';
import { applyCopyOperations, CopyError, type CopyOperation } from './copy.ts';
import { adler32, dirHash } from './dirhash.ts';
import { doublestarMatch, goMatch, isExcluded } from './glob.ts';
import { mergeYamlFiles } from './merge.ts';

/** Writes files (path → content) under a new temporary directory. */
async function tree(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'compose-test-'));
  for (const [p, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, p)), { recursive: true });
    await writeFile(path.join(dir, p), content);
  }
  return dir;
}

/** Every file under dir, sorted, `/`-separated. */
async function list(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) out.push(path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'));
  }
  return out.sort();
}

const monorepo = {
  'apps/base/podinfo/kustomization.yaml': 'k',
  'apps/base/podinfo/release.yaml': 'r',
  'apps/base/README.md': 'doc',
  'apps/staging/kustomization.yaml': 's',
  'infrastructure/controllers/a.yaml': 'a',
  'infrastructure/configs/b.yaml': 'b',
  'top.yaml': 't',
};

async function run(ops: CopyOperation[], files: Record<string, string> = monorepo): Promise<string[]> {
  const src = await tree(files);
  const staging = await mkdtemp(path.join(tmpdir(), 'compose-staging-'));
  try {
    await applyCopyOperations(ops, { sources: new Map([['repo', src]]), staging, maxExtractBytes: 1 << 20 });
    return await list(staging);
  } finally {
    await rm(src, { recursive: true, force: true });
    await rm(staging, { recursive: true, force: true });
  }
}

test('Go path.Match: ** is one segment, classes and escapes', () => {
  assert.ok(goMatch('**', 'a'));
  assert.ok(!goMatch('*', 'a/b'));
  assert.ok(goMatch('*.yaml', '.hidden.yaml'));
  assert.ok(goMatch('[a-c]?', 'b1'));
  assert.ok(goMatch('[^a]x', 'bx'));
  assert.ok(!goMatch('[^a]x', 'ax'));
  assert.throws(() => goMatch('[a', 'a'), /syntax error in pattern/);
});

test('doublestar: ** spans directories, braces, ! classes', () => {
  assert.ok(doublestarMatch('**/testdata/**', 'x/testdata/y/z.yaml'));
  assert.ok(doublestarMatch('**/*.tgz', 'a.tgz'));
  assert.ok(doublestarMatch('{a,b}/*.md', 'b/x.md'));
  assert.ok(doublestarMatch('[!a]*', 'b'));
  assert.ok(!doublestarMatch('sub/*', 'sub/x/y'));
  assert.ok(isExcluded('deep/dir/README.md', ['*.md']), 'a pattern without / matches the file name at any depth');
  assert.ok(!isExcluded('deep/dir/README.md', ['dir/*.md']));
});

test("Flux's example fleet: dir/** copies the directory's contents, recursively", async () => {
  assert.deepEqual(
    await run([
      { from: '@repo/apps/base/**', to: '@artifact/base/' },
      { from: '@repo/apps/staging/**', to: '@artifact/staging/' },
    ]),
    ['base/README.md', 'base/podinfo/kustomization.yaml', 'base/podinfo/release.yaml', 'staging/kustomization.yaml'],
  );
  assert.deepEqual(await run([{ from: '@repo/infrastructure/**', to: '@artifact/' }]), [
    'configs/b.yaml',
    'controllers/a.yaml',
  ]);
});

test('cp semantics: dir/ copies as a subdirectory, a file to a name or into a directory', async () => {
  assert.deepEqual(await run([{ from: '@repo/apps/staging/', to: '@artifact/x/' }]), ['x/staging/kustomization.yaml']);
  assert.deepEqual(await run([{ from: '@repo/top.yaml', to: '@artifact/renamed.yaml' }]), ['renamed.yaml']);
  assert.deepEqual(await run([{ from: '@repo/top.yaml', to: '@artifact/d/' }]), ['d/top.yaml']);
  assert.deepEqual(await run([{ from: '@repo/', to: '@artifact/' }]), Object.keys(monorepo).sort());
  // A glob without /** keeps the matched path.
  assert.deepEqual(await run([{ from: '@repo/apps/*/kustomization.yaml', to: '@artifact/' }]), [
    'apps/staging/kustomization.yaml',
  ]);
});

test('exclude: file names at any depth, paths relative to the selection root', async () => {
  assert.deepEqual(await run([{ from: '@repo/apps/base/**', to: '@artifact/', exclude: ['*.md'] }]), [
    'podinfo/kustomization.yaml',
    'podinfo/release.yaml',
  ]);
  assert.deepEqual(await run([{ from: '@repo/apps/**', to: '@artifact/', exclude: ['base/**'] }]), [
    'staging/kustomization.yaml',
  ]);
});

test('later operations overwrite; Merge merges YAML maps and replaces arrays', async () => {
  const files = {
    'chart/values.yaml': 'a: 1\nnested:\n  x: 1\n  y: 2\nlist: [1, 2]\n',
    'prod.yaml': 'nested:\n  y: 3\nlist: [9]\nb: 2\n',
  };
  const src = await tree(files);
  const staging = await mkdtemp(path.join(tmpdir(), 'compose-staging-'));
  await applyCopyOperations(
    [
      { from: '@repo/chart/', to: '@artifact/' },
      { from: '@repo/prod.yaml', to: '@artifact/chart/values.yaml', strategy: 'Merge' },
    ],
    { sources: new Map([['repo', src]]), staging, maxExtractBytes: 1 << 20 },
  );
  assert.equal(
    await readFile(path.join(staging, 'chart/values.yaml'), 'utf8'),
    'a: 1\nb: 2\nlist:\n  - 9\nnested:\n  x: 1\n  y: 3\n',
  );
  assert.equal(mergeYamlFiles('a: 1\n---\nb: 2\n', 'c: 3\n'), 'a: 1\nb: 2\nc: 3\n');
  await rm(src, { recursive: true, force: true });
  await rm(staging, { recursive: true, force: true });
});

test('bad input: unknown alias, no match, escapes, all excluded, Extract on a directory', async () => {
  await assert.rejects(run([{ from: '@other/apps/**', to: '@artifact/' }]), (err: Error) => {
    assert.ok(err instanceof CopyError);
    assert.equal(
      err.message,
      "failed to apply copy operation from '@other/apps/**' to '@artifact/': source alias 'other' not found",
    );
    return true;
  });
  await assert.rejects(
    run([{ from: '@repo/nope/**', to: '@artifact/' }]),
    /no files match pattern 'nope\/\*\*' in source 'repo'/,
  );
  await assert.rejects(run([{ from: '@repo/missing.yaml', to: '@artifact/' }]), /source 'missing.yaml' does not exist/);
  await assert.rejects(run([{ from: '@repo/../../etc/**', to: '@artifact/' }]), /escapes from the source root/);
  await assert.rejects(run([{ from: '@repo/top.yaml', to: '@artifact/../../x' }]), /escapes from its root/);
  await assert.rejects(run([{ from: '@repo/apps/base/*', to: '@artifact/', exclude: ['**'] }]), /were excluded/);
  await assert.rejects(
    run([{ from: '@repo/apps/', to: '@artifact/', strategy: 'Extract' }]),
    /not supported for directories/,
  );
  await assert.rejects(run([{ from: '@repo/top.yaml', to: '@artifact/', exclude: ['[a'] }]), /invalid exclude pattern/);
});

test('symlinks in a source are never followed', async () => {
  const src = await tree({ 'd/a.yaml': 'a' });
  const outside = await tree({ 'secret.txt': 'host secret' });
  await symlink(path.join(outside, 'secret.txt'), path.join(src, 'd/leak.txt'));
  await symlink(outside, path.join(src, 'd/dir-link'));
  const staging = await mkdtemp(path.join(tmpdir(), 'compose-staging-'));
  await applyCopyOperations([{ from: '@repo/d/**', to: '@artifact/' }], {
    sources: new Map([['repo', src]]),
    staging,
    maxExtractBytes: 1 << 20,
  });
  assert.deepEqual(await list(staging), ['a.yaml']);
  await assert.rejects(
    applyCopyOperations([{ from: '@repo/d/leak.txt', to: '@artifact/' }], {
      sources: new Map([['repo', src]]),
      staging,
      maxExtractBytes: 1 << 20,
    }),
    /does not exist/,
  );
  for (const d of [src, outside, staging]) await rm(d, { recursive: true, force: true });
});

test('dirhash: Adler-32 as zlib computes it; the hash follows the content only', async () => {
  assert.equal(adler32(Buffer.from('Wikipedia')), 0x11e60398);
  const a = await tree({ 'x/a.yaml': '1', 'b.yaml': '2' });
  const b = await tree({ 'b.yaml': '2', 'x/a.yaml': '1' });
  const c = await tree({ 'x/a.yaml': '1', 'b.yaml': '3' });
  assert.equal(await dirHash(a, 'apps'), await dirHash(b, 'apps'));
  assert.notEqual(await dirHash(a, 'apps'), await dirHash(c, 'apps'));
  assert.match(await dirHash(a, 'apps'), /^\d+$/);
  for (const d of [a, b, c]) await rm(d, { recursive: true, force: true });
});

test('Extract unpacks .tgz/.tar.gz files a glob (doublestar) or a path names; other files are skipped', async () => {
  const chart = await tree({ 'podinfo/Chart.yaml': 'name: podinfo', 'podinfo/values.yaml': 'a: 1' });
  const { data } = await archiveDirectory({ dir: chart });
  const src = await tree({ 'charts/notes.txt': 'n', 'charts/nested/deep/readme.md': 'r' });
  await writeFile(path.join(src, 'charts/podinfo-6.7.0.tgz'), data);
  await writeFile(path.join(src, 'charts/nested/deep/other.tar.gz'), data);
  const staging = await mkdtemp(path.join(tmpdir(), 'compose-staging-'));
  const sources = new Map([['repo', src]]);
  await applyCopyOperations([{ from: '@repo/charts/**/*.tgz', to: '@artifact/x/', strategy: 'Extract' }], {
    sources,
    staging,
    maxExtractBytes: 1 << 20,
  });
  assert.deepEqual(await list(staging), ['x/podinfo/Chart.yaml', 'x/podinfo/values.yaml']);
  await applyCopyOperations(
    [{ from: '@repo/charts/nested/deep/other.tar.gz', to: '@artifact/y/', strategy: 'Extract' }],
    {
      sources,
      staging,
      maxExtractBytes: 1 << 20,
    },
  );
  assert.ok((await list(staging)).includes('y/podinfo/Chart.yaml'));
  await assert.rejects(
    applyCopyOperations([{ from: '@repo/charts/notes.txt', to: '@artifact/', strategy: 'Extract' }], {
      sources,
      staging,
      maxExtractBytes: 1 << 20,
    }),
    /extract strategy requires tarball file/,
  );
  await assert.rejects(
    applyCopyOperations([{ from: '@repo/charts/*.tgz', to: '@artifact/', strategy: 'Extract' }], {
      sources,
      staging,
      maxExtractBytes: 10,
    }),
    /failed to extract tarball 'charts\/podinfo-6.7.0.tgz'/,
  );
  for (const d of [chart, src, staging]) await rm(d, { recursive: true, force: true });
});
