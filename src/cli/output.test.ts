import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSize, humanAge, paint, renderTable, Reporter, truncateHex, type CliIo } from './output.ts';

const io = (opts: { color?: boolean; spinner?: boolean } = {}): CliIo & { outText(): string; errText(): string } => {
  let out = '';
  let err = '';
  return {
    out: { write: (t: string) => (out += t) },
    err: { write: (t: string) => (err += t) },
    color: opts.color ?? false,
    spinner: opts.spinner ?? false,
    now: () => new Date('2026-01-01T00:00:00Z'),
    outText: () => out,
    errText: () => err,
  };
};

void test('renderTable pads columns to the widest cell, upper-cases headers and separates with tabs like flux', () => {
  const text = renderTable(
    ['Name', 'Ready', 'Message'],
    [
      ['podinfo', 'True', 'Applied'],
      ['podinfo-shard1', 'False', 'failed'],
    ],
  );
  assert.equal(text, 'NAME          \tREADY\tMESSAGE\npodinfo       \tTrue \tApplied\npodinfo-shard1\tFalse\tfailed\n');
});

void test('renderTable styles cells after padding, so colour codes keep the columns aligned', () => {
  const text = renderTable(
    ['A', 'B'],
    [
      ['x', 'yy'],
      ['longer', 'z'],
    ],
    (cell, col) => (col === 0 ? `<${cell}>` : cell),
  );
  assert.equal(text, 'A     \tB\n<x     >\tyy\n<longer>\tz\n');
  assert.equal(renderTable([], [['a', 'b']]), 'a\tb\n', 'no header row when the header is empty');
});

void test('renderTable counts code points: an emoji (two UTF-16 units) or an accent is one column', () => {
  const text = renderTable(
    ['Name', 'Ready'],
    [
      ['app-🚀', 'True'],
      ['café', 'True'],
      ['abcde', 'True'],
    ],
  );
  assert.equal(text, 'NAME \tREADY\napp-🚀\tTrue\ncafé \tTrue\nabcde\tTrue\n');
});

void test('a multi-line cell spans lines inside its column', () => {
  const text = renderTable(
    ['Object', 'Message'],
    [
      ['Kustomization/app', 'ConfigMap/a created\nConfigMap/b created'],
      ['x', 'y'],
    ],
  );
  assert.equal(
    text,
    'OBJECT           \tMESSAGE\nKustomization/app\tConfigMap/a created\n                 \tConfigMap/b created\nx                \ty\n',
  );
});

void test('truncateHex shortens 40 to 128 hex characters to 8, leaving shorter runs and words alone', () => {
  const sha1 = 'a'.repeat(40);
  const sha256 = '0123456789abcdef'.repeat(4);
  assert.equal(truncateHex(`main@sha1:${sha1}`), 'main@sha1:aaaaaaaa');
  assert.equal(truncateHex(`Applied revision: v1@sha256:${sha256}`), 'Applied revision: v1@sha256:01234567');
  assert.equal(truncateHex('deadbeef and cafe'), 'deadbeef and cafe');
});

void test('humanAge matches kubectl approximations', () => {
  const s = 1000;
  const cases: [number, string][] = [
    [-5 * s, '<invalid>'],
    [-500, '0s'],
    [45 * s, '45s'],
    [119 * s, '119s'],
    [200 * s, '3m20s'],
    [240 * s, '4m'],
    [25 * 60 * s, '25m'],
    [(5 * 60 + 10) * 60 * s, '5h10m'],
    [20 * 3600 * s, '20h'],
    [(3 * 24 + 4) * 3600 * s, '3d4h'],
    [400 * 24 * 3600 * s, '400d'],
    [(2 * 365 + 30) * 24 * 3600 * s, '2y30d'],
    [9 * 365 * 24 * 3600 * s, '9y'],
  ];
  for (const [ms, want] of cases) assert.equal(humanAge(ms), want, `${ms} ms`);
});

void test('formatSize prints IEC units like Flux and a dash for nothing stored', () => {
  assert.equal(formatSize(0), '-');
  assert.equal(formatSize(512), '512 B');
  assert.equal(formatSize(1536), '1.5 KiB');
  assert.equal(formatSize(3.7 * 1024 * 1024), '3.7 MiB');
  assert.equal(formatSize(5 * 1024 ** 3), '5.0 GiB');
});

void test('Reporter writes flux symbols to stderr, coloured only when allowed', () => {
  const plain = io();
  const r = new Reporter(plain);
  r.action('annotating');
  r.success('done');
  r.failure('broke');
  r.spin('waiting').stop();
  assert.equal(plain.errText(), '► annotating\n✔ done\n✗ broke\n◎ waiting\n');
  assert.equal(plain.outText(), '');

  const coloured = io({ color: true });
  new Reporter(coloured).success('done');
  assert.equal(coloured.errText(), `${paint('✔', 'green', true)} done\n`);
  assert.ok(coloured.errText().startsWith('\u001b[32m✔\u001b[0m '), 'green check mark');
});

void test('the spinner animates on a terminal and ends with a plain line', () => {
  const tty = io({ spinner: true });
  const s = new Reporter(tty).spin('waiting for Kustomization reconciliation');
  s.stop();
  assert.match(
    tty.errText(),
    /^\r◎ waiting for Kustomization reconciliation ⠋\r◎ waiting for Kustomization reconciliation {2}\n$/,
  );
});
