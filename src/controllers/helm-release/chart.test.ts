import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HelmRelease } from '../../api/helm-release.ts';
import { chartTemplateObject, templateChartKey } from './chart.ts';

const hr = (chart: NonNullable<HelmRelease['spec']['chart']>): HelmRelease => ({
  apiVersion: 'helm.toolkit.fluxcd.io/v2',
  kind: 'HelmRelease',
  metadata: { name: 'web', namespace: 'apps' },
  spec: { interval: '10m', chart },
});

void test('the HelmChart of a template: name <ns>-<name>, source namespace, owner labels, spec copied with defaults', () => {
  const obj = chartTemplateObject(
    hr({
      metadata: { labels: { team: 'a' }, annotations: { note: 'x' } },
      spec: {
        chart: 'podinfo',
        version: '6.x',
        sourceRef: { kind: 'HelmRepository', name: 'repo', namespace: 'flux-system' },
        interval: '1m',
        reconcileStrategy: 'Revision',
        valuesFiles: ['values.yaml', 'values-prod.yaml'],
        ignoreMissingValuesFiles: true,
        verify: { provider: 'cosign', secretRef: { name: 'cosign-keys' } },
      },
    }),
    '10m',
  );
  assert.deepEqual(obj, {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'HelmChart',
    metadata: {
      name: 'apps-web',
      namespace: 'flux-system',
      labels: { team: 'a', 'helm.toolkit.fluxcd.io/name': 'web', 'helm.toolkit.fluxcd.io/namespace': 'apps' },
      annotations: { note: 'x' },
    },
    spec: {
      chart: 'podinfo',
      version: '6.x',
      sourceRef: { kind: 'HelmRepository', name: 'repo' },
      interval: '1m',
      reconcileStrategy: 'Revision',
      valuesFiles: ['values.yaml', 'values-prod.yaml'],
      ignoreMissingValuesFiles: true,
      verify: { provider: 'cosign', secretRef: { name: 'cosign-keys' } },
    },
  });
});

void test('defaults: version *, the release interval, ChartVersion; the source kind passes through (GitRepository)', () => {
  const template = hr({ spec: { chart: './charts/web', sourceRef: { kind: 'GitRepository', name: 'repo' } } });
  const obj = chartTemplateObject(template, '10m');
  assert.equal(obj.metadata.namespace, 'apps');
  assert.deepEqual(obj['spec'], {
    chart: './charts/web',
    version: '*',
    sourceRef: { kind: 'GitRepository', name: 'repo' },
    interval: '10m',
    reconcileStrategy: 'ChartVersion',
  });
  assert.equal(templateChartKey(template), 'apps/apps-web');
  // chartRef (namespace too) makes no HelmChart.
  const ref: HelmRelease = {
    ...template,
    spec: { interval: '1m', chartRef: { kind: 'HelmChart', name: 'x', namespace: 'charts' } },
  };
  assert.equal(templateChartKey(ref), undefined);
});
