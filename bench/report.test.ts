import assert from 'node:assert/strict';
import { test } from 'node:test';
import { metricsUrlFromLog, summariseMetrics } from './engine-metrics.ts';
import { objectCount, p1Fixture, p2Fixture } from './fixtures.ts';
import { markdownTable, noteCell, ratio } from './report.ts';

test('markdownTable pads every column to the same width and shows n/a for missing numbers', () => {
  const table = markdownTable([
    {
      benchmark: 'P1 (N=100)',
      objects: 400,
      driftlessReadyMs: 57_400,
      baselineReadyMs: 26_700,
      baselineAppliedMs: 5200,
      peakRssBytes: 367 * 2 ** 20,
    },
    { benchmark: 'P2', objects: 1000, note: 'engine: timed out\nafter | 600 s' },
  ]);
  const lines = table.split('\n');
  assert.equal(lines.length, 4);
  assert.equal(new Set(lines.map((l) => l.length)).size, 1, table);
  assert.match(lines[2] ?? '', /\| 57\.4 s +\| 26\.7 s +\| 2\.15x +\| 5\.2 s +\| 367 MiB +\|/);
  assert.match(
    lines[3] ?? '',
    /\| n\/a +\| n\/a +\| n\/a +\| n\/a +\| n\/a +\| engine: timed out after \\\| 600 s \|$/,
  );
});

test('noteCell keeps a note on one line and caps its length', () => {
  assert.equal(noteCell('a\n  b'), 'a b');
  assert.equal(noteCell('x'.repeat(500)).length, 200);
  assert.equal(noteCell(undefined), '');
});

test('ratio divides Driftless by baseline and refuses a zero or missing baseline', () => {
  assert.equal(ratio(3000, 1500), '2.00x');
  assert.equal(ratio(3000, 0), 'n/a');
  assert.equal(ratio(undefined, 1500), 'n/a');
});

test('fixtures: P1 has one kustomization.yaml and four manifests per unit; P2 one file of N ConfigMaps', () => {
  const p1 = p1Fixture(3);
  assert.deepEqual(
    p1.units.map((u) => u.path),
    ['./apps/app-0000', './apps/app-0001', './apps/app-0002'],
  );
  assert.equal(Object.keys(p1.files).length, 15);
  assert.match(p1.files['apps/app-0001/service.yaml'] ?? '', /clusterIP: None/);
  assert.equal(objectCount(p1), 12);
  const p2 = p2Fixture(5);
  assert.equal((p2.files['configmaps/configmaps.yaml'] ?? '').match(/^kind: ConfigMap$/gm)?.length, 5);
  assert.equal(objectCount(p2), 5);
});

test('summariseMetrics reads reconcile counts, mean time and API requests from Prometheus text', () => {
  const text = [
    '# HELP controller_runtime_reconcile_time_seconds x',
    'controller_runtime_reconcile_time_seconds_sum{controller="kustomization"} 30',
    'controller_runtime_reconcile_time_seconds_count{controller="kustomization"} 12',
    'controller_runtime_reconcile_errors_total{controller="kustomization"} 2',
    'rest_client_requests_total{code="200",method="GET",host="h"} 40',
    'rest_client_requests_total{code="404",method="GET",host="h"} 2',
    'rest_client_requests_total{code="200",method="PATCH",host="h"} 7',
  ].join('\n');
  assert.equal(
    summariseMetrics(text),
    'kustomization: 12 reconciles, mean 2.50 s, 2 errors; API requests: 42 GET, 7 PATCH',
  );
  assert.equal(
    metricsUrlFromLog('{"metrics":"http://127.0.0.1:4242","msg":"driftless started"}'),
    'http://127.0.0.1:4242',
  );
});
