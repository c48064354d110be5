import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HelmRelease, HelmReleaseStatus } from '../../api/helm-release.ts';
import { handleAnnotationRequest } from './attempt.ts';

const hr = (annotations: Record<string, string>, status: HelmReleaseStatus = {}): HelmRelease => ({
  apiVersion: 'helm.toolkit.fluxcd.io/v2',
  kind: 'HelmRelease',
  metadata: { name: 'web', namespace: 'apps', annotations },
  spec: { interval: '5m', chartRef: { kind: 'HelmChart', name: 'web' } },
  status,
});
const forceAt = 'reconcile.fluxcd.io/forceAt';
const resetAt = 'reconcile.fluxcd.io/resetAt';
const requestedAt = 'reconcile.fluxcd.io/requestedAt';

void test('forceAt/resetAt: handled when equal to requestedAt and not handled before; recorded either way', () => {
  const status: HelmReleaseStatus = {};
  assert.equal(
    handleAnnotationRequest(hr({ [forceAt]: 't1', [requestedAt]: 't1' }), status, forceAt, 'lastHandledForceAt'),
    true,
  );
  assert.equal(status.lastHandledForceAt, 't1');
  // The same request again (already handled): not again.
  assert.equal(
    handleAnnotationRequest(hr({ [forceAt]: 't1', [requestedAt]: 't1' }), status, forceAt, 'lastHandledForceAt'),
    false,
  );
  // A resetAt without a matching requestedAt is only recorded (flux reconcile --reset sets both).
  const other: HelmReleaseStatus = {};
  assert.equal(
    handleAnnotationRequest(hr({ [resetAt]: 't2', [requestedAt]: 't1' }), other, resetAt, 'lastHandledResetAt'),
    false,
  );
  assert.equal(other.lastHandledResetAt, 't2');
  // requestedAt already handled by an earlier reconcile: not a new request.
  const handled: HelmReleaseStatus = {};
  const obj = hr({ [resetAt]: 't3', [requestedAt]: 't3' }, { lastHandledReconcileAt: 't3' });
  assert.equal(handleAnnotationRequest(obj, handled, resetAt, 'lastHandledResetAt'), false);
  // No annotation: nothing recorded.
  const none: HelmReleaseStatus = {};
  assert.equal(handleAnnotationRequest(hr({ [requestedAt]: 't4' }), none, forceAt, 'lastHandledForceAt'), false);
  assert.equal(none.lastHandledForceAt, undefined);
});
