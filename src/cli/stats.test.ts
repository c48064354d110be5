import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FluxResource } from './flux-object.ts';
import { computeReconcilerStats, statsRows } from './stats.ts';

const kind = { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository' };
const obj = (
  name: string,
  opts: { suspend?: boolean; ready?: string; reason?: string; size?: number } = {},
): FluxResource => ({
  ...kind,
  metadata: { name, namespace: 'default' },
  spec: opts.suspend ? { suspend: true } : {},
  status: {
    conditions: opts.ready ? [{ type: 'Ready', status: opts.ready, reason: opts.reason ?? 'Failed', message: '' }] : [],
    ...(opts.size !== undefined ? { artifact: { size: opts.size } } : {}),
  },
});

void test('stats follow the Flux Operator: failing excludes suspended and DependencyNotReady, running includes failing', () => {
  const stats = computeReconcilerStats(kind, [
    obj('ok', { ready: 'True', size: 1024 }),
    obj('failing', { ready: 'False', reason: 'GitOperationFailed', size: 512 }),
    obj('waiting', { ready: 'False', reason: 'DependencyNotReady' }),
    obj('suspended-and-failing', { suspend: true, ready: 'False' }),
    obj('unknown', { ready: 'Unknown' }),
    obj('new'),
  ]);
  assert.deepEqual(stats, { ...kind, stats: { running: 5, failing: 1, suspended: 1, totalSize: '1.5 KiB' } });
});

void test('totalSize is left out when nothing is stored and shown as a dash', () => {
  const stats = computeReconcilerStats({ apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization' }, []);
  assert.deepEqual(stats.stats, { running: 0, failing: 0, suspended: 0 });
  assert.deepEqual(statsRows([stats]), [['Kustomization', '0', '0', '0', '-']]);
});

void test('rows print the report entries as they come, including totalSize strings from a FluxReport', () => {
  const rows = statsRows([
    {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'HelmChart',
      stats: { running: 55, failing: 1, suspended: 0, totalSize: '15.7 MiB' },
    },
  ]);
  assert.deepEqual(rows, [['HelmChart', '55', '1', '0', '15.7 MiB']]);
});
