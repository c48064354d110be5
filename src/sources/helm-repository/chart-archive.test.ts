import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { UnsafeArchiveError } from '../../artifacts/untar.ts';
import {
  chartMetadata,
  mergeMaps,
  packChart,
  readChartArchive,
  readChartDirectory,
  withBuildMetadata,
} from './chart-archive.ts';
import { ChartBuildError } from './errors.ts';

const chartYaml = 'apiVersion: v2\nname: app\nversion: 1.0.0\n';

/** A tar.gz with the given raw entries (names unchecked, so hostile ones can be written). */
async function rawArchive(entries: { name: string; body?: string; type?: 'file' | 'symlink'; linkname?: string }[]) {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => chunks.push(c as Buffer));
  const ended = new Promise<void>((r) => pack.on('end', () => r()));
  for (const e of entries) {
    const body = Buffer.from(e.body ?? '');
    if (e.type === 'symlink') pack.entry({ name: e.name, type: 'symlink', linkname: e.linkname ?? '/etc/passwd' });
    else pack.entry({ name: e.name, size: body.length }, body);
  }
  pack.finalize();
  await ended;
  return gzipSync(Buffer.concat(chunks));
}

void test('packChart and readChartArchive round-trip, deterministically, with Chart.yaml first', async () => {
  const files = new Map([
    ['values.yaml', Buffer.from('a: 1\n')],
    ['Chart.yaml', Buffer.from(chartYaml)],
    ['templates/cm.yaml', Buffer.from('kind: ConfigMap\n')],
  ]);
  const one = await packChart('app', files);
  assert.deepEqual(await packChart('app', files), one, 'same input, same bytes');
  const back = await readChartArchive(one);
  assert.deepEqual([...back.keys()], ['Chart.yaml', 'templates/cm.yaml', 'values.yaml']);
  assert.equal(chartMetadata(back).version, '1.0.0');
});

void test('chart archives with .., absolute paths, symlinks or oversize files are refused by entry', async () => {
  const refused = async (entries: Parameters<typeof rawArchive>[0], message: RegExp, limits = {}) =>
    assert.rejects(
      readChartArchive(await rawArchive(entries), limits),
      (e: unknown) => e instanceof UnsafeArchiveError && message.test(e.message),
    );
  await refused(
    [
      { name: 'app/Chart.yaml', body: chartYaml },
      { name: 'app/../../evil', body: 'x' },
    ],
    /contains ".."/,
  );
  await refused([{ name: '/etc/app/Chart.yaml', body: chartYaml }], /absolute path/);
  await refused(
    [
      { name: 'app/Chart.yaml', body: chartYaml },
      { name: 'app/link', type: 'symlink' },
    ],
    /unsupported type "symlink"/,
  );
  await refused(
    [
      { name: 'app/Chart.yaml', body: chartYaml },
      { name: 'app/big', body: 'x'.repeat(100) },
    ],
    /maximum file size/,
    {
      maxFileBytes: 10,
    },
  );
  await assert.rejects(
    readChartArchive(Buffer.alloc(2000), { maxChartBytes: 1000 }),
    /exceeds the maximum size of 1000 bytes/,
  );
  await assert.rejects(readChartArchive(Buffer.from('not gzip')), /not a gzip stream/);
  // A small archive that inflates beyond the cap stops at the cap.
  const bomb = await rawArchive([
    { name: 'app/Chart.yaml', body: chartYaml },
    { name: 'app/zeros', body: '\0'.repeat(50_000) },
  ]);
  await assert.rejects(readChartArchive(bomb, { maxChartBytes: 10_000 }), /decompressed chart archive exceeds/);
  await assert.rejects(
    readChartArchive(await rawArchive([{ name: 'app/values.yaml', body: '' }])),
    /Chart.yaml file is missing/,
  );
});

void test('chart directories: .helmignore honoured, symlinks refused, Chart.yaml required', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'chart-dir-'));
  try {
    await mkdir(path.join(root, 'app/templates'), { recursive: true });
    await writeFile(path.join(root, 'app/Chart.yaml'), chartYaml);
    await writeFile(path.join(root, 'app/.helmignore'), '*.bak\n');
    await writeFile(path.join(root, 'app/notes.bak'), 'x');
    await writeFile(path.join(root, 'app/templates/cm.yaml'), 'kind: ConfigMap\n');
    const files = await readChartDirectory(root, 'app');
    assert.deepEqual([...files.keys()].sort(), ['.helmignore', 'Chart.yaml', 'templates/cm.yaml']);
    await assert.rejects(readChartDirectory(root, '../etc'), /leaves the source artifact/);
    await assert.rejects(readChartDirectory(root, 'missing'), /not found in the source artifact/);
    await symlink('/etc/passwd', path.join(root, 'app/templates/link.yaml'));
    await assert.rejects(
      readChartDirectory(root, 'app'),
      (e: unknown) => e instanceof UnsafeArchiveError && /symbolic link/.test(e.message),
    );
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

void test('Chart.yaml is validated as Helm does', () => {
  const md = (text: string) => chartMetadata(new Map([['Chart.yaml', Buffer.from(text)]]));
  assert.throws(() => md('name: a\nversion: 1.0.0\n'), /apiVersion is required/);
  assert.throws(() => md('apiVersion: v2\nversion: 1.0.0\n'), /name is required/);
  assert.throws(
    () => md('apiVersion: v2\nname: a\nversion: one\n'),
    (e: unknown) => e instanceof ChartBuildError && /version "one" is invalid/.test(e.message),
  );
  assert.deepEqual(md('apiVersion: v2\nname: a\nversion: v1.2\ndependencies: [{name: b}]\n').dependencies, [
    { name: 'b' },
  ]);
});

void test('build metadata replaces any existing metadata and keeps the prerelease', () => {
  assert.equal(withBuildMetadata('1.2.3', 'abcdef012345'), '1.2.3+abcdef012345');
  assert.equal(withBuildMetadata('1.2.3-rc.1+old', '7'), '1.2.3-rc.1+7');
  assert.equal(withBuildMetadata('v1.2', 'x.3'), '1.2.0+x.3');
  assert.throws(() => withBuildMetadata('1.0.0', 'a b'), /Invalid Metadata/);
});

void test('mergeMaps merges maps deeply and replaces lists and scalars', () => {
  assert.deepEqual(mergeMaps({ a: { b: 1, c: [1] }, d: 1 }, { a: { c: [2], e: 3 }, d: { x: 1 } }), {
    a: { b: 1, c: [2], e: 3 },
    d: { x: 1 },
  });
});
