import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { crdFor } from './crd.ts';
import {
  HelmReleaseCrd,
  HelmReleaseSchema,
  actionTimeoutMs,
  helmChartRefOf,
  helmReleaseIntervalMs,
  helmReleaseName,
  helmReleaseTimeoutMs,
  maxHistory,
  releaseNameOf,
  releaseNamespaceOf,
  shortenReleaseName,
  storageNamespaceOf,
  type HelmRelease,
} from './helm-release.ts';
import { schemaIssues } from './validate.ts';

const hr = (spec: Partial<HelmRelease['spec']>, name = 'podinfo', namespace = 'apps'): HelmRelease => ({
  apiVersion: 'helm.toolkit.fluxcd.io/v2',
  kind: 'HelmRelease',
  metadata: { name, namespace },
  spec: { interval: '5m', chartRef: { kind: 'HelmChart', name: 'podinfo' }, ...spec },
});

void test('interval and timeout: spec values, default timeout 5m, per-action timeouts fall back to spec.timeout', () => {
  assert.equal(helmReleaseIntervalMs(hr({ interval: '10m' }).spec), 600_000);
  assert.equal(helmReleaseTimeoutMs(hr({}).spec), 300_000);
  assert.equal(helmReleaseTimeoutMs(hr({ timeout: '90s' }).spec), 90_000);
  const spec = hr({ timeout: '2m', install: { timeout: '1m' } }).spec;
  assert.equal(actionTimeoutMs(spec, 'install'), 60_000);
  assert.equal(actionTimeoutMs(spec, 'upgrade'), 120_000);
  assert.throws(() => helmReleaseTimeoutMs(hr({ timeout: 'soon' }).spec));
});

void test('maxHistory defaults to 5, 0 stays 0 (unlimited)', () => {
  assert.equal(maxHistory(hr({}).spec), 5);
  assert.equal(maxHistory(hr({ maxHistory: 0 }).spec), 0);
  assert.equal(maxHistory(hr({ maxHistory: 12 }).spec), 12);
});

void test('releaseName: spec.releaseName, else <targetNamespace>-<name>, else the name', () => {
  assert.equal(releaseNameOf(hr({})), 'podinfo');
  assert.equal(releaseNameOf(hr({ targetNamespace: 'prod' })), 'prod-podinfo');
  assert.equal(releaseNameOf(hr({ targetNamespace: 'prod', releaseName: 'web' })), 'web');
});

void test('release names above 53 characters are shortened as Flux: 40 characters, a dash, 12 hex of sha256', () => {
  const long = 'a-very-long-target-namespace-name-for-testing-the-release-name';
  const name = helmReleaseName(hr({ targetNamespace: long }, 'app'));
  const full = `${long}-app`;
  const sum = createHash('sha256').update(full).digest('hex');
  assert.equal(name, `${full.slice(0, 40)}-${sum.slice(0, 12)}`);
  assert.equal(name.length, 53);
  assert.equal(shortenReleaseName('x'.repeat(53)), 'x'.repeat(53));
});

void test('targetNamespace and storageNamespace default to the HelmRelease namespace', () => {
  assert.equal(releaseNamespaceOf(hr({})), 'apps');
  assert.equal(releaseNamespaceOf(hr({ targetNamespace: 'prod' })), 'prod');
  assert.equal(storageNamespaceOf(hr({ targetNamespace: 'prod' })), 'apps');
  assert.equal(storageNamespaceOf(hr({ storageNamespace: 'prod' })), 'prod');
});

void test('the chart template makes <namespace>-<name> in the source namespace; chartRef names its HelmChart', () => {
  const tpl = (namespace?: string) =>
    hr({
      chartRef: undefined,
      chart: {
        spec: {
          chart: 'podinfo',
          sourceRef: { kind: 'HelmRepository', name: 'repo', ...(namespace ? { namespace } : {}) },
        },
      },
    });
  assert.deepEqual(helmChartRefOf(tpl()), { namespace: 'apps', name: 'apps-podinfo' });
  assert.deepEqual(helmChartRefOf(tpl('flux-system')), { namespace: 'flux-system', name: 'apps-podinfo' });
  assert.deepEqual(helmChartRefOf(hr({ chartRef: { kind: 'HelmChart', name: 'shared', namespace: 'charts' } })), {
    namespace: 'charts',
    name: 'shared',
  });
});

void test('CRD: Flux names, short name hr, columns Age/Ready/Status, chart-or-chartRef rule, values preserved', () => {
  const crd = crdFor(HelmReleaseCrd) as unknown as {
    metadata: { name: string };
    spec: {
      names: { shortNames: string[] };
      versions: {
        name: string;
        additionalPrinterColumns: { name: string }[];
        schema: {
          openAPIV3Schema: {
            properties: { spec: Record<string, unknown> & { properties: Record<string, Record<string, unknown>> } };
          };
        };
      }[];
    };
  };
  assert.equal(crd.metadata.name, 'helmreleases.helm.toolkit.fluxcd.io');
  assert.deepEqual(crd.spec.names.shortNames, ['hr']);
  const v = crd.spec.versions[0];
  assert.equal(v?.name, 'v2');
  assert.deepEqual(
    v?.additionalPrinterColumns.map((c) => c.name),
    ['Age', 'Ready', 'Status'],
  );
  const spec = v?.schema.openAPIV3Schema.properties.spec;
  assert.deepEqual(spec?.['x-kubernetes-validations'], [
    {
      message: 'either chart or chartRef must be set',
      rule: '(has(self.chart) && !has(self.chartRef)) || (!has(self.chart) && has(self.chartRef))',
    },
  ]);
  assert.equal(spec?.properties['values']?.['x-kubernetes-preserve-unknown-fields'], true);
});

void test('a Flux HelmRelease validates against the schema', () => {
  const obj = {
    apiVersion: 'helm.toolkit.fluxcd.io/v2',
    kind: 'HelmRelease',
    metadata: { name: 'podinfo', namespace: 'apps' },
    spec: {
      interval: '10m',
      timeout: '5m',
      chart: {
        spec: {
          chart: 'podinfo',
          version: '6.5.*',
          sourceRef: { kind: 'HelmRepository', name: 'podinfo' },
          interval: '5m',
        },
      },
      releaseName: 'podinfo',
      install: { remediation: { retries: 3 } },
      upgrade: { remediation: { remediateLastFailure: false }, cleanupOnFail: true },
      test: { enable: true },
      driftDetection: { mode: 'enabled', ignore: [{ paths: ['/spec/replicas'], target: { kind: 'Deployment' } }] },
      values: { replicaCount: 2, resources: { limits: { memory: '256Mi' } } },
      valuesFrom: [{ kind: 'ConfigMap', name: 'podinfo-values', valuesKey: 'values.yaml', targetPath: 'a.b' }],
    },
  };
  assert.deepEqual(schemaIssues(HelmReleaseSchema, obj), []);
});
