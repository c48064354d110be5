import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import {
  HelmChartCrd,
  HelmChartSchema,
  HelmChartSpecSchema,
  HelmChartStatusSchema,
  helmChartIntervalMs,
  helmChartReconcileStrategy,
  helmChartVersion,
} from './helm-chart.ts';
import type { HelmChart, HelmChartSpec } from './helm-chart.ts';
import { refusedFields } from './field-support.ts';
import { isValid, schemaIssues, withDefaults } from './validate.ts';

// Flux's documented example, plus the fields a HelmRelease's chart template sets.
const docExample = parse(`
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmChart
metadata: { name: podinfo, namespace: default }
spec:
  interval: 5m0s
  chart: podinfo
  reconcileStrategy: ChartVersion
  sourceRef:
    kind: HelmRepository
    name: podinfo
  version: '5.*'
  valuesFiles: [values.yaml, values-prod.yaml]
  ignoreMissingValuesFiles: true
  suspend: false
`) as HelmChart;

const validSpec: HelmChartSpec = {
  chart: './charts/app',
  interval: '1m',
  sourceRef: { kind: 'GitRepository', name: 'repo' },
};

void test("Flux's documented HelmChart validates", () => {
  assert.deepEqual(schemaIssues(HelmChartSchema, docExample), []);
  assert.equal(helmChartVersion(docExample.spec), '5.*');
  assert.equal(helmChartIntervalMs(docExample.spec), 300_000);
});

void test('the documented artifact status validates', () => {
  const status = parse(`
observedGeneration: 1
observedChartName: podinfo
observedSourceArtifactRevision: sha256:83a3c595163a6ff0333e0154c790383b5be441b9db632cb36da11db1c4ece111
observedValuesFiles: [values.yaml]
url: http://source-controller.flux-system.svc.cluster.local./helmchart/default/podinfo/latest.tar.gz
artifact:
  digest: sha256:6c3cc3b955bce1686036ae6822ee2ca0ef6ecb994e3f2d19eaf3ec03dcba84b3
  lastUpdateTime: "2022-02-10T18:53:47Z"
  path: helmchart/default/podinfo/podinfo-5.2.1.tgz
  revision: 5.2.1
  size: 14166
  url: http://source-controller.flux-system.svc.cluster.local./helmchart/default/podinfo/podinfo-5.2.1.tgz
conditions:
- { type: Ready, status: "True", reason: ChartPullSucceeded, message: "pulled 'podinfo' chart with version '5.2.1'",
    observedGeneration: 1, lastTransitionTime: "2022-02-10T18:53:47Z" }
`);
  assert.deepEqual(schemaIssues(HelmChartStatusSchema, status), []);
});

void test('spec validation rejects missing chart, bad source kinds, strategies and durations', () => {
  const bad: Record<string, unknown>[] = [
    { ...validSpec, chart: undefined },
    { ...validSpec, sourceRef: { kind: 'OCIRepository', name: 'x' } },
    { ...validSpec, sourceRef: { kind: 'GitRepository' } },
    { ...validSpec, reconcileStrategy: 'Always' },
    { ...validSpec, interval: '5' },
    { ...validSpec, valuesFiles: 'values.yaml' },
    { ...validSpec, verify: { provider: 'pgp' } },
  ];
  for (const spec of bad) assert.equal(isValid(HelmChartSpecSchema, spec), false, JSON.stringify(spec));
  assert.equal(isValid(HelmChartSpecSchema, validSpec), true);
});

void test('defaults: version * and reconcileStrategy ChartVersion, in the schema and in code', () => {
  const spec = withDefaults(HelmChartSpecSchema, validSpec);
  assert.equal(spec.version, '*');
  assert.equal(spec.reconcileStrategy, 'ChartVersion');
  assert.equal(helmChartVersion(validSpec), '*');
  assert.equal(helmChartVersion({ version: '' }), '*');
  assert.equal(helmChartReconcileStrategy(validSpec), 'ChartVersion');
  assert.equal(helmChartReconcileStrategy({ reconcileStrategy: 'Revision' }), 'Revision');
});

void test('notation and keyless identity matchers are refused by name; Bucket sources and cosign with a key are not', () => {
  assert.deepEqual(refusedFields('HelmChart', docExample), []);
  assert.deepEqual(
    refusedFields('HelmChart', { spec: { ...validSpec, sourceRef: { kind: 'Bucket', name: 'b' } } }),
    [],
  );
  const keyed = { provider: 'cosign', secretRef: { name: 'keys' } };
  assert.deepEqual(refusedFields('HelmChart', { spec: { ...validSpec, suspend: true, verify: keyed } }), []);
  const notation = refusedFields('HelmChart', { spec: { ...validSpec, verify: { ...keyed, provider: 'notation' } } });
  assert.deepEqual(
    notation.map((r) => [r.path, r.value]),
    [['spec.verify.provider', 'notation']],
  );
  const oidc = refusedFields('HelmChart', {
    spec: { ...validSpec, verify: { provider: 'cosign', matchOIDCIdentity: [{ issuer: '.*', subject: '.*' }] } },
  });
  assert.deepEqual(
    oidc.map((r) => r.path),
    ['spec.verify.matchOIDCIdentity'],
  );
});

void test("the CRD carries Flux's rule that verify needs a HelmRepository source", () => {
  assert.match(HelmChartCrd.validations?.[0]?.rule ?? '', /spec\.sourceRef\.kind == 'HelmRepository'/);
});
