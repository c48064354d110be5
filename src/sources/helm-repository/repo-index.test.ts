import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChartBuildError, IndexError } from './errors.ts';
import { humanSize, indexToJson, parseIndex, resolveChartUrl, selectChartVersion } from './repo-index.ts';

const index = parseIndex(
  Buffer.from(`
apiVersion: v1
entries:
  app:
  - { name: app, version: 1.0.0, urls: [app-1.0.0.tgz], created: "2024-01-01T00:00:00Z" }
  - { name: app, version: 1.2.0, urls: [app-1.2.0.tgz] }
  - { name: app, version: 2.0.0-rc.1, urls: [app-2.0.0-rc.1.tgz] }
  - { name: app, version: 1.1.5, urls: [https://cdn.example.com/app-1.1.5.tgz] }
  - { name: app, version: not-a-version }
  - { version: 9.9.9 }
  other: []
generated: "2024-01-01T00:00:00Z"
`),
);

void test('parseIndex keeps valid versions newest first and fills the chart apiVersion', () => {
  assert.deepEqual(
    index.entries['app']?.map((cv) => cv.version),
    ['2.0.0-rc.1', '1.2.0', '1.1.5', '1.0.0'],
  );
  assert.equal(index.entries['app']?.[0]?.apiVersion, 'v1');
  assert.deepEqual(JSON.parse(indexToJson(index).toString()).entries.app.length, 4);
});

void test('parseIndex accepts the JSON form and refuses empty, versionless and malformed indexes', () => {
  assert.equal(parseIndex(Buffer.from('{"apiVersion":"v1","entries":{}}')).apiVersion, 'v1');
  assert.throws(() => parseIndex(Buffer.alloc(0)), /empty index.yaml file/);
  assert.throws(() => parseIndex(Buffer.from('entries: {}\n')), /no API version specified/);
  assert.throws(() => parseIndex(Buffer.from('<html>not yaml: [</html>')), IndexError);
  assert.throws(() => parseIndex(Buffer.from('- a\n- b\n')), /not a mapping/);
  assert.throws(() => parseIndex(Buffer.from('apiVersion: v1\napiVersion: v2\n')), IndexError);
});

void test('a YAML alias bomb fails fast instead of expanding', () => {
  const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i < 12; i++) {
    const prev = String.fromCharCode(96 + i);
    const cur = String.fromCharCode(97 + i);
    lines.push(`${cur}: &${cur} [*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev}]`);
  }
  lines.push('apiVersion: v1');
  assert.throws(() => parseIndex(Buffer.from(lines.join('\n'))), IndexError);
});

void test('selectChartVersion: exact, latest stable, ranges with commas, prereleases only when asked', () => {
  const v = (c: string): string => selectChartVersion(index, 'app', c).version;
  assert.equal(v(''), '1.2.0');
  assert.equal(v('*'), '1.2.0');
  assert.equal(v('1.0.0'), '1.0.0');
  assert.equal(v('>=1.0.0, <1.2.0'), '1.1.5');
  assert.equal(v('~1.1'), '1.1.5');
  assert.equal(v('1.x'), '1.2.0');
  assert.equal(v('>=2.0.0-0'), '2.0.0-rc.1');
  assert.equal(v('2.0.0-rc.1'), '2.0.0-rc.1');
});

void test('selectChartVersion names what is missing, as source-controller does', () => {
  const fails = (name: string, c: string, message: RegExp): void =>
    assert.throws(
      () => selectChartVersion(index, name, c),
      (e: unknown) => e instanceof ChartBuildError && e.reason === 'InvalidChartReference' && message.test(e.message),
    );
  fails('app', '3.x', /no 'app' chart with version matching '3.x' found/);
  fails('nope', '*', /no chart name found/);
  fails('other', '*', /no chart version found/);
  fails('app', '>>1', /improper constraint: >>1/);
});

void test('resolveChartUrl resolves relative URLs below the repository path and keeps absolute ones', () => {
  assert.equal(resolveChartUrl('https://h.example/charts', 'app-1.0.0.tgz'), 'https://h.example/charts/app-1.0.0.tgz');
  assert.equal(resolveChartUrl('https://h.example/charts/', 'app-1.0.0.tgz'), 'https://h.example/charts/app-1.0.0.tgz');
  assert.equal(resolveChartUrl('https://h.example/charts', 'sub/app.tgz'), 'https://h.example/charts/sub/app.tgz');
  assert.equal(resolveChartUrl('https://h.example/c?token=1', 'app.tgz'), 'https://h.example/c/app.tgz?token=1');
  assert.equal(resolveChartUrl('https://h.example/c', 'https://cdn.example/app.tgz'), 'https://cdn.example/app.tgz');
});

void test("humanSize formats as go-units' HumanSize", () => {
  assert.equal(humanSize(512), '512B');
  assert.equal(humanSize(40898), '40.9kB');
  assert.equal(humanSize(1234), '1.234kB');
  assert.equal(humanSize(52_428_800), '52.43MB');
});
