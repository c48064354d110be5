import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { buildLocalChart, buildRemoteChart, effectiveValuesFiles } from './build.ts';
import { chartMetadata, packChart, readChartArchive } from './chart-archive.ts';
import { ChartBuildError } from './errors.ts';
import { parseIndex } from './repo-index.ts';

async function withSource(fn: (root: string) => Promise<void>): Promise<void> {
  const root = await mkdtemp(path.join(tmpdir(), 'chart-src-'));
  const put = async (rel: string, body: string) => {
    await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await writeFile(path.join(root, rel), body);
  };
  await put(
    'charts/app/Chart.yaml',
    'apiVersion: v2\nname: app\nversion: 0.1.0\ndependencies:\n- name: lib\n  version: 0.0.1\n  repository: file://../lib\n',
  );
  await put('charts/app/values.yaml', 'replicas: 1\nimage: { tag: a }\n');
  await put('charts/app/values-prod.yaml', 'image: { tag: prod }\n');
  await put('charts/app/templates/cm.yaml', 'kind: ConfigMap\n');
  await put('charts/lib/Chart.yaml', 'apiVersion: v2\nname: lib\nversion: 0.0.1\ntype: library\n');
  await put(
    'charts/remote/Chart.yaml',
    'apiVersion: v2\nname: remote\nversion: 1.0.0\ndependencies:\n- name: redis\n  repository: https://charts.example.com\n',
  );
  await put('charts/remote/values.yaml', '');
  try {
    await fn(root);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

void test('a chart directory is packaged with merged values files, build metadata and file:// dependencies', () =>
  withSource(async (root) => {
    const build = await buildLocalChart({
      root,
      chartPath: './charts/app',
      valuesFiles: ['charts/app/values.yaml', 'charts/app/values-prod.yaml', 'charts/app/missing.yaml'],
      ignoreMissingValuesFiles: true,
      versionMetadata: 'abcdef012345.2',
    });
    assert.equal(build.name, 'app');
    assert.equal(build.version, '0.1.0+abcdef012345.2');
    assert.equal(build.packaged, true);
    assert.deepEqual(build.valuesFiles, ['charts/app/values.yaml', 'charts/app/values-prod.yaml']);
    assert.equal(build.resolvedDependencies, 1);
    const files = await readChartArchive(build.data);
    assert.equal(chartMetadata(files).version, '0.1.0+abcdef012345.2');
    assert.deepEqual(parse(files.get('values.yaml')!.toString()), { replicas: 1, image: { tag: 'prod' } });
    assert.ok(files.has('charts/lib/Chart.yaml'), 'the file:// dependency is under charts/');
  }));

void test('a missing values file fails unless ignoreMissingValuesFiles; remote dependencies are refused by name', () =>
  withSource(async (root) => {
    const base = { root, chartPath: 'charts/app', ignoreMissingValuesFiles: false, versionMetadata: '' };
    await assert.rejects(
      buildLocalChart({ ...base, valuesFiles: ['charts/app/missing.yaml'] }),
      (e: unknown) =>
        e instanceof ChartBuildError && e.reason === 'ValuesFilesError' && /no values file found/.test(e.message),
    );
    await assert.rejects(
      buildLocalChart({ ...base, chartPath: 'charts/remote', valuesFiles: [] }),
      (e: unknown) =>
        e instanceof ChartBuildError &&
        e.reason === 'DependencyBuildError' &&
        /'redis'.*helm dependency build/.test(e.message),
    );
    await assert.rejects(
      buildLocalChart({ ...base, chartPath: 'charts/none', valuesFiles: [] }),
      /not found in the source artifact/,
    );
    assert.deepEqual(effectiveValuesFiles(['./values.yaml']), []);
  }));

void test('a remote chart is stored as downloaded unless values files apply, then repackaged', async () => {
  const original = await packChart(
    'app',
    new Map([
      ['Chart.yaml', Buffer.from('apiVersion: v2\nname: app\nversion: 1.0.0\n')],
      ['values.yaml', Buffer.from('a: 1\n')],
      ['prod.yaml', Buffer.from('a: 2\n')],
    ]),
  );
  const index = parseIndex(
    Buffer.from('apiVersion: v1\nentries:\n  app:\n  - {name: app, version: 1.0.0, urls: [app-1.0.0.tgz]}\n'),
  );
  const urls: string[] = [];
  const download = async (url: string) => {
    urls.push(url);
    return original;
  };
  const common = {
    index,
    repositoryUrl: 'http://repo.example/charts',
    chart: 'app',
    version: '*',
    ignoreMissingValuesFiles: false,
    download,
  };
  const plain = await buildRemoteChart({ ...common, valuesFiles: [], versionMetadata: '' });
  assert.equal(plain.version, '1.0.0');
  assert.equal(plain.packaged, false);
  assert.deepEqual(plain.data, original);
  assert.deepEqual(urls, ['http://repo.example/charts/app-1.0.0.tgz']);
  const merged = await buildRemoteChart({ ...common, valuesFiles: ['values.yaml', 'prod.yaml'], versionMetadata: '3' });
  assert.equal(merged.version, '1.0.0+3');
  assert.equal(merged.packaged, true);
  assert.deepEqual(parse((await readChartArchive(merged.data)).get('values.yaml')!.toString()), { a: 2 });
  await assert.rejects(
    buildRemoteChart({ ...common, chart: 'Bad_Name', valuesFiles: [], versionMetadata: '' }),
    /invalid chart name 'Bad_Name'/,
  );
});

void test('a dependency on an http(s) repository is fetched through remoteDependency and packaged under charts/', () =>
  withSource(async (root) => {
    const redis = await packChart(
      'redis',
      new Map([['Chart.yaml', Buffer.from('apiVersion: v2\nname: redis\nversion: 1.2.3\n')]]),
    );
    const asked: unknown[] = [];
    const build = await buildLocalChart({
      root,
      chartPath: 'charts/remote',
      valuesFiles: [],
      ignoreMissingValuesFiles: false,
      versionMetadata: '',
      remoteDependency: async (dep) => {
        asked.push(dep);
        return redis;
      },
    });
    assert.deepEqual(asked, [{ name: 'redis', version: '', repository: 'https://charts.example.com' }]);
    assert.equal(build.resolvedDependencies, 1);
    const files = await readChartArchive(build.data);
    assert.equal(chartMetadata(new Map([['Chart.yaml', files.get('charts/redis/Chart.yaml')!]])).version, '1.2.3');
    await assert.rejects(
      buildLocalChart({
        root,
        chartPath: 'charts/remote',
        valuesFiles: [],
        ignoreMissingValuesFiles: false,
        versionMetadata: '',
        remoteDependency: () => Promise.reject(new Error("no 'redis' chart with version matching '9' found")),
      }),
      (e: unknown) =>
        e instanceof ChartBuildError &&
        e.message ===
          "dependency build error: failed to add remote dependency 'redis': no 'redis' chart with version matching '9' found",
    );
  }));
