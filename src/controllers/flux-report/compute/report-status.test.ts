import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FluxReport, FluxReportSpec } from '../../../api/flux-report.ts';
import { conditionChanged, pendingRequest, reportReadyCondition, specChanged } from './report-status.ts';

const now = new Date('2026-03-04T05:06:07.891Z');
const spec: FluxReportSpec = {
  distribution: { entitlement: 'Unknown', status: 'Installed', version: 'v0.1.0' },
  cluster: { serverVersion: 'v1.34.4', platform: 'linux/amd64', nodes: 1 },
};

void test('success: Ready True, ReconciliationSucceeded, Reporting finished in <Go duration>, second-precision time', () => {
  assert.deepEqual(reportReadyCondition({ tookMs: 272.5, failures: [], generation: 3, now }), {
    type: 'Ready',
    status: 'True',
    reason: 'ReconciliationSucceeded',
    message: 'Reporting finished in 272.5ms',
    observedGeneration: 3,
    lastTransitionTime: '2026-03-04T05:06:07Z',
  });
});

void test('failures: Ready False with the first reason and every message', () => {
  const c = reportReadyCondition({
    tookMs: 1500,
    failures: [
      { reason: 'ClusterReportFailed', message: 'spec.cluster: forbidden' },
      { reason: 'SyncReportFailed', message: 'spec.sync: timeout' },
    ],
    generation: 1,
    now,
  });
  assert.equal(c.status, 'False');
  assert.equal(c.reason, 'ClusterReportFailed');
  assert.equal(c.message, 'Reporting finished in 1.5s with errors: spec.cluster: forbidden; spec.sync: timeout');
});

void test('spec comparison ignores key order and undefined members, sees any value change', () => {
  const reordered = JSON.parse(
    JSON.stringify({ cluster: spec.cluster, distribution: spec.distribution }),
  ) as FluxReportSpec;
  assert.equal(specChanged(reordered, { ...spec, sync: undefined }), false);
  assert.equal(specChanged(spec, { ...spec, cluster: { ...spec.cluster!, nodes: 2 } }), true);
  assert.equal(specChanged(undefined, spec), true);
});

void test('condition comparison ignores the measured duration, time and generation', () => {
  const stored = { conditions: [reportReadyCondition({ tookMs: 10, failures: [], generation: 1, now })] };
  assert.equal(
    conditionChanged(stored, reportReadyCondition({ tookMs: 999, failures: [], generation: 2, now: new Date() })),
    false,
  );
  const failed = reportReadyCondition({
    tookMs: 10,
    failures: [{ reason: 'SyncReportFailed', message: 'x' }],
    generation: 1,
    now,
  });
  assert.equal(conditionChanged(stored, failed), true);
  assert.equal(
    conditionChanged(
      { conditions: [failed] },
      reportReadyCondition({
        tookMs: 50,
        failures: [{ reason: 'SyncReportFailed', message: 'x' }],
        generation: 1,
        now,
      }),
    ),
    false,
  );
  assert.equal(
    conditionChanged(
      { conditions: [failed] },
      reportReadyCondition({
        tookMs: 50,
        failures: [{ reason: 'SyncReportFailed', message: 'y' }],
        generation: 1,
        now,
      }),
    ),
    true,
  );
  assert.equal(conditionChanged(undefined, failed), true);
});

void test('a requestedAt token is pending until echoed in lastHandledReconcileAt', () => {
  const report = (token?: string, handled?: string): FluxReport => ({
    apiVersion: 'fluxcd.controlplane.io/v1',
    kind: 'FluxReport',
    metadata: { name: 'flux', ...(token ? { annotations: { 'reconcile.fluxcd.io/requestedAt': token } } : {}) },
    spec,
    ...(handled ? { status: { lastHandledReconcileAt: handled } } : {}),
  });
  assert.equal(pendingRequest(report()), undefined);
  assert.equal(pendingRequest(report('1700000000')), '1700000000');
  assert.equal(pendingRequest(report('1700000000', '1700000000')), undefined);
  assert.equal(pendingRequest(report('1700000001', '1700000000')), '1700000001');
});
