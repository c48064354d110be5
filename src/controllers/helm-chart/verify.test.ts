import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HelmChart, HelmChartStatus } from '../../api/helm-chart.ts';
import { getCondition, markFalse, markTrue } from '../../runtime/conditions.ts';
import { ReconcileFailure } from '../../runtime/reconcile/failure.ts';
import type { ReconcileContext } from '../../runtime/reconcile/skeleton.ts';
import { OciVerificationError } from '../../sources/oci/cosign.ts';
import {
  chartVerificationFailure,
  HttpVerifyMessage,
  markSourceVerified,
  resetSourceVerified,
  verificationDetail,
} from './verify.ts';

/** Only what the condition helpers read: the object, its metadata and a status. */
function context(verify?: HelmChart['spec']['verify']): ReconcileContext<HelmChart, HelmChartStatus> {
  const obj: HelmChart = {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'HelmChart',
    metadata: { name: 'c', namespace: 'ns', generation: 2 },
    spec: {
      chart: 'app',
      interval: '1m',
      sourceRef: { kind: 'HelmRepository', name: 'r' },
      ...(verify ? { verify } : {}),
    },
  };
  return { obj, metadata: obj.metadata, status: { conditions: [] } } as unknown as ReconcileContext<
    HelmChart,
    HelmChartStatus
  >;
}
const keyed = { provider: 'cosign' as const, secretRef: { name: 'keys' } };

void test("a verification failure is source-controller's ChartVerificationError: BuildFailed, SourceVerified False, FetchFailed gone", () => {
  const ctx = context(keyed);
  markTrue(ctx, 'FetchFailed', 'ChartPullError', 'earlier');
  const failure = chartVerificationFailure(ctx, 'failed to verify oci://r/app:1.0.0: no signatures found');
  assert.ok(failure instanceof ReconcileFailure);
  assert.equal(failure.reason, 'ChartVerificationError');
  assert.equal(failure.message, 'chart verification error: failed to verify oci://r/app:1.0.0: no signatures found');
  assert.equal(failure.stalled, false, 'retried, as Flux (not a persistent build error)');
  assert.deepEqual(failure.opts.conditions, [{ type: 'BuildFailed', status: 'True' }]);
  const verified = getCondition(ctx, 'SourceVerified');
  assert.deepEqual(
    [verified?.status, verified?.reason, verified?.message],
    ['False', 'VerificationError', failure.message],
  );
  assert.equal(getCondition(ctx, 'FetchFailed'), undefined);
});

void test('an HTTP repository chart with verify fails with Flux\'s "not implemented", saying what to do', () => {
  const failure = chartVerificationFailure(context(keyed), HttpVerifyMessage);
  assert.match(
    failure.message,
    /^chart verification error: not implemented: spec\.verify applies only to charts of a HelmRepository of type oci/,
  );
  assert.match(failure.message, /remove spec\.verify/);
});

void test("verification verdicts read as Flux's cosign verifier words them; other errors pass through", () => {
  const ref = 'r:5000/charts/app@sha256:ab';
  assert.equal(
    verificationDetail(new OciVerificationError(ref, true, 'the artifact is not signed')),
    'no signatures found: the artifact is not signed',
  );
  assert.equal(
    verificationDetail(
      new OciVerificationError(ref, false, '1 Sigstore bundle(s) attached, none signed with cosign.pub'),
    ),
    'no matching signatures: 1 Sigstore bundle(s) attached, none signed with cosign.pub',
  );
  assert.equal(verificationDetail(new Error('connection refused')), 'connection refused');
  // The OCIRepository keeps its own message shape.
  assert.equal(
    new OciVerificationError(ref, true, 'the artifact is not signed').message,
    `no matching signatures were found for '${ref}': the artifact is not signed`,
  );
});

void test('SourceVerified: True names the built version; removed without verify; a False one is recomputed, a True one stays', () => {
  const ctx = context(keyed);
  markSourceVerified(ctx, '0.1.0+2');
  const c = getCondition(ctx, 'SourceVerified');
  assert.deepEqual([c?.status, c?.reason, c?.message], ['True', 'Succeeded', 'verified signature of version 0.1.0+2']);
  resetSourceVerified(ctx);
  assert.equal(getCondition(ctx, 'SourceVerified')?.status, 'True');
  markFalse(ctx, 'SourceVerified', 'VerificationError', 'x');
  resetSourceVerified(ctx);
  assert.equal(getCondition(ctx, 'SourceVerified'), undefined);
  const unverified = context();
  markTrue(unverified, 'SourceVerified', 'Succeeded', 'from an earlier spec');
  resetSourceVerified(unverified);
  assert.equal(getCondition(unverified, 'SourceVerified'), undefined);
});
