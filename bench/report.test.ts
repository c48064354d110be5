import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareCrds, schemaShape, type Crd } from './crds.ts';
import { requestsByMethod, summariseMetrics } from './engine-metrics.ts';
import { objectCount, p1Fixture, p2Fixture, p5Fixture } from './fixtures.ts';
import { builtVersion, pinnedVersion } from './flux-peers.ts';
import { delta, nonGetRequests, totalRequests, type Snapshot } from './measure.ts';
import { parseChildren, parseStat, parseStatusKb } from './proc.ts';
import {
  formatValue,
  markdownTable,
  median,
  noteCell,
  percentile,
  ratio,
  resultsSection,
  targetCell,
  type Line,
} from './report.ts';
import { engineOrder, toLines } from './rows/common.ts';
import { parseTimeLine } from './rows/p7.ts';

const line = (over: Partial<Line> = {}): Line => ({
  row: 'P1 N=100',
  metric: 'time to all Ready',
  unit: 'ms',
  driftless: [43_800, 43_900],
  flux: [31_100, 41_000],
  ...over,
});

test('markdownTable pads every column to the same width, shows every repetition and n/a for none', () => {
  const table = markdownTable([
    line({ floor: [26_700], target: { maxRatio: 0.5 } }),
    line({
      row: 'P2 1 x 1000',
      metric: 'peak RSS',
      unit: 'bytes',
      driftless: [346 * 2 ** 20],
      flux: [],
      note: 'flux: timed out\nafter | 600 s',
    }),
  ]);
  const lines = table.split('\n');
  assert.equal(lines.length, 4);
  assert.equal(new Set(lines.map((l) => l.length)).size, 1, table);
  assert.match(
    lines[2] ?? '',
    /\| 43\.8 s, 43\.9 s +\| 31\.1 s, 41\.0 s +\| 1\.22x +\| <= 0\.5x: missed +\| 26\.7 s +\|/,
  );
  assert.match(lines[3] ?? '', /\| 346 MiB +\| n\/a +\| n\/a +\| +\| +\| flux: timed out after \\\| 600 s \|$/);
});

test('formatValue: seconds with 2 decimals below 10, MiB rounded, counts with at most 1 decimal', () => {
  assert.equal(formatValue(310, 'ms'), '0.31 s');
  assert.equal(formatValue(43_840, 'ms'), '43.8 s');
  assert.equal(formatValue(2.345, 'cpu'), '2.35');
  assert.equal(formatValue(26.54, 'cpu'), '26.5');
  assert.equal(formatValue(295.6 * 2 ** 20, 'bytes'), '296 MiB');
  assert.equal(formatValue(2450, 'count'), '2450');
  assert.equal(formatValue(2.25, 'count'), '2.3');
});

test('median, percentile (nearest rank) and ratio of medians', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 2, 3]), 2.5);
  assert.equal(median([]), undefined);
  const twenty = Array.from({ length: 20 }, (_, i) => i + 1);
  assert.equal(percentile(twenty, 50), 10);
  assert.equal(percentile(twenty, 95), 19);
  assert.equal(percentile([7], 95), 7);
  assert.equal(percentile([], 50), undefined);
  assert.equal(ratio([3000], [1500]), '2.00x');
  assert.equal(ratio([1, 100, 3], [2, 2, 2]), '1.50x');
  assert.equal(ratio([3000], [0]), 'n/a');
  assert.equal(ratio([], [1500]), 'n/a');
});

test('targetCell says met, missed, or ? when the target cannot be judged', () => {
  assert.equal(targetCell(line({ driftless: [10], flux: [25], target: { maxRatio: 0.5 } })), '<= 0.5x: met');
  assert.equal(targetCell(line({ driftless: [10], flux: [15], target: { maxRatio: 0.5 } })), '<= 0.5x: missed');
  assert.equal(targetCell(line({ driftless: [1500], flux: [], target: { max: 2000 } })), '<= 2.00 s: met');
  assert.equal(targetCell(line({ driftless: [1500], flux: [], target: { maxRatio: 0.5 } })), '<= 0.5x: ?');
  assert.equal(targetCell(line({ unit: 'count', driftless: [0], flux: [3], target: { max: 0 } })), '<= 0: met');
  assert.equal(targetCell(line()), '');
});

test('noteCell keeps a note on one line and caps its length', () => {
  assert.equal(noteCell('a\n  b'), 'a b');
  assert.equal(noteCell('x'.repeat(500)).length, 200);
  assert.equal(noteCell(undefined), '');
});

test('resultsSection names the commit, the machine, the layout, the table and the notes', () => {
  const text = resultsSection([line()], {
    startedAt: new Date('2026-12-02T10:00:00Z'),
    command: 'npm run bench',
    commit: 'abc1234',
    machine: ['Machine: 2 cores'],
    layout: ['P1: …'],
    notes: ['shared machine'],
  });
  assert.match(text, /^## Run of 2026-12-02T10:00:00\.000Z \(commit abc1234\)\n/);
  assert.match(text, /\n- Machine: 2 cores\n/);
  assert.match(text, /\| P1 N=100 \| time to all Ready/);
  assert.match(text, /\n- shared machine\n$/);
});

test("toLines collects each engine's values per metric, puts the floor and the failures on the row", () => {
  const lines = toLines(
    'P1 N=10',
    [
      { id: 'time', metric: 'time', unit: 'ms' },
      { id: 'cpu', metric: 'cpu', unit: 'cpu' },
    ],
    [
      { engine: 'driftless', measured: { time: 1000, cpu: 2 } },
      { engine: 'flux', measured: { time: 3000 }, error: 'timed out' },
      { engine: 'driftless', measured: { time: 1200, cpu: undefined } },
    ],
    { time: 500 },
  );
  assert.deepEqual(lines[0], {
    row: 'P1 N=10',
    metric: 'time',
    unit: 'ms',
    driftless: [1000, 1200],
    flux: [3000],
    floor: [500],
    note: 'flux: timed out',
  });
  assert.deepEqual(lines[1]?.driftless, [2]);
  assert.deepEqual(lines[1]?.flux, []);
  assert.equal(lines[1]?.note, undefined);
});

test('engineOrder alternates which engine goes first', () => {
  assert.deepEqual(engineOrder(0), ['driftless', 'flux']);
  assert.deepEqual(engineOrder(1), ['flux', 'driftless']);
  assert.deepEqual(engineOrder(2), ['driftless', 'flux']);
});

test('parseStat reads utime+stime and cutime+cstime after a command name with spaces and parentheses', () => {
  const fields = ['S', ...Array.from({ length: 10 }, () => '0'), '150', '50', '7', '3', '20', '0'];
  assert.deepEqual(parseStat(`1234 (node (x) y) ${fields.join(' ')}`), { self: 200, children: 10 });
  assert.equal(parseStat('garbage'), undefined);
  assert.equal(parseStat('1 (a) S 0'), undefined);
});

test('parseStatusKb and parseChildren read /proc text', () => {
  const status = 'Name:\tnode\nVmHWM:\t  346000 kB\nVmRSS:\t  120000 kB\n';
  assert.equal(parseStatusKb(status, 'VmHWM'), 346000 * 1024);
  assert.equal(parseStatusKb(status, 'VmRSS'), 120000 * 1024);
  assert.equal(parseStatusKb(status, 'VmSwap'), undefined);
  assert.deepEqual(parseChildren('12 34 \n'), [12, 34]);
  assert.deepEqual(parseChildren(''), []);
});

test('delta subtracts CPU (own and children) and requests per method, keeps the end memory', () => {
  const proc = (cpu: number, child: number, hwm: number) => ({
    cpuSeconds: cpu,
    childCpuSeconds: child,
    peakRssBytes: hwm,
    rssBytes: hwm / 2,
    treeRssBytes: hwm,
    treePssBytes: hwm,
  });
  const a: Snapshot = { at: 1000, proc: proc(2, 1, 100), requests: { GET: 10, PATCH: 4 } };
  const b: Snapshot = { at: 4000, proc: proc(5, 2.5, 300), requests: { GET: 30, PATCH: 4, POST: 2 } };
  const d = delta(a, b);
  assert.deepEqual(d, { ms: 3000, cpuSeconds: 4.5, peakRssBytes: 300, rssBytes: 150, requests: { GET: 20, POST: 2 } });
  assert.equal(totalRequests(d), 22);
  assert.equal(nonGetRequests(d), 2);
  assert.equal(delta({ ...a, requests: undefined }, b).requests, undefined);
});

test('requestsByMethod sums rest_client_requests_total over codes and hosts', () => {
  const text = [
    '# HELP rest_client_requests_total x',
    'rest_client_requests_total{code="200",host="127.0.0.1:6443",method="GET"} 40',
    'rest_client_requests_total{code="404",host="127.0.0.1:6443",method="GET"} 2',
    'rest_client_requests_total{code="200",host="127.0.0.1:6443",method="PATCH"} 7',
    'rest_client_request_duration_seconds_count{method="GET"} 99',
  ].join('\n');
  assert.deepEqual(requestsByMethod(text), { GET: 42, PATCH: 7 });
  assert.match(summariseMetrics(text), /API requests: 42 GET, 7 PATCH/);
});

test('parseTimeLine reads GNU time output: wall, user+sys, max RSS', () => {
  assert.deepEqual(parseTimeLine('1.42 1.10 0.20 81234\n'), {
    wallMs: 1420,
    cpuSeconds: 1.3,
    maxRssBytes: 81234 * 1024,
  });
  assert.equal(parseTimeLine('Command exited with non-zero status 1'), undefined);
});

test('pinnedVersion reads the version from a versioned binary name', () => {
  assert.equal(pinnedVersion('kustomize-controller', 'kustomize-controller-1.9.5'), '1.9.5');
  assert.equal(pinnedVersion('source-controller', '/x/source-controller-1.9.5'), '1.9.5');
  assert.equal(pinnedVersion('source-controller', 'kustomize-controller-1.9.5'), undefined);
  assert.equal(pinnedVersion('source-controller', 'source-controller'), undefined);
  assert.equal(
    builtVersion('built github.com/fluxcd/notification-controller v1.9.3 with go1.26.8\nsubstituted …'),
    '1.9.3',
  );
  assert.equal(builtVersion('notification-controller v1.9.4'), undefined);
});

test('compareCrds finds version and property differences; identical definitions match', () => {
  const crd = (versions: { name: string; props: string[] }[]): Crd => ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'gitrepositories.source.toolkit.fluxcd.io' },
    spec: {
      group: 'source.toolkit.fluxcd.io',
      names: { kind: 'GitRepository' },
      versions: versions.map((v) => ({
        name: v.name,
        served: true,
        storage: v.name === 'v1',
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: { type: 'object', properties: Object.fromEntries(v.props.map((p) => [p, { type: 'string' }])) },
            },
          },
        },
      })),
    },
  });
  assert.deepEqual(compareCrds(crd([{ name: 'v1', props: ['url'] }]), crd([{ name: 'v1', props: ['url'] }])), []);
  assert.deepEqual(compareCrds(crd([{ name: 'v1', props: ['url'] }]), crd([{ name: 'v1', props: ['url', 'proxy'] }])), [
    'v1: only Flux has .spec.proxy:string',
  ]);
  assert.match(
    compareCrds(
      crd([{ name: 'v1', props: [] }]),
      crd([
        { name: 'v1', props: [] },
        { name: 'v1beta2', props: [] },
      ]),
    ).join(),
    /served versions v1\* vs v1\*,v1beta2/,
  );
  assert.ok(
    schemaShape({ type: 'array', items: { type: 'object', properties: { a: { type: 'integer' } } } }).has(
      '[].a:integer',
    ),
  );
});

test('fixtures: P1 has one kustomization.yaml and four manifests per unit; P2 changes every object; P5 one ConfigMap', () => {
  const p1 = p1Fixture(3);
  assert.deepEqual(
    p1.units.map((u) => u.path),
    ['./apps/app-0000', './apps/app-0001', './apps/app-0002'],
  );
  assert.equal(Object.keys(p1.files).length, 15);
  assert.match(p1.files['apps/app-0001/service.yaml'] ?? '', /clusterIP: None/);
  assert.equal(objectCount(p1), 12);
  const p2 = p2Fixture(5);
  const file = (f: ReturnType<typeof p2Fixture>): string => f.files['configmaps/configmaps.yaml'] ?? '';
  assert.equal(file(p2).match(/^kind: ConfigMap$/gm)?.length, 5);
  assert.equal(objectCount(p2), 5);
  const changed = file(p2Fixture(5, 2)).split('---\n');
  assert.equal(changed.length, 5);
  file(p2)
    .split('---\n')
    .forEach((doc, i) => assert.notEqual(doc, changed[i]));
  assert.match(p5Fixture(7).files['app/configmap.yaml'] ?? '', /push: "7"/);
});
