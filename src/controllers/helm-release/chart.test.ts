import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HelmRelease } from '../../api/helm-release.ts';
import type { KubeObject } from '../../kube/types.ts';
import type { Informer } from '../../runtime/informer.ts';
import { ReconcileFailure } from '../../runtime/reconcile/failure.ts';
import {
  chartSourceKindOf,
  chartTemplateObject,
  readySourceArtifact,
  revisionCarriesDigest,
  templateChartKey,
  type ChartSourceKind,
} from './chart.ts';

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

const byKey = (objs: KubeObject[]): Informer =>
  ({
    get: (key: string) => objs.find((o) => `${o.metadata.namespace}/${o.metadata.name}` === key),
  }) as unknown as Informer;

const fromRef = (kind: string): HelmRelease => ({
  apiVersion: 'helm.toolkit.fluxcd.io/v2',
  kind: 'HelmRelease',
  metadata: { name: 'web', namespace: 'apps' },
  spec: { interval: '10m', chartRef: { kind: kind as ChartSourceKind, name: 'chart' } },
});

const sourcesWith = (ea: KubeObject[]): Record<ChartSourceKind, Informer> => ({
  HelmChart: byKey([]),
  OCIRepository: byKey([]),
  ExternalArtifact: byKey(ea),
});

const failureOf = (fn: () => unknown): ReconcileFailure => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ReconcileFailure);
    return err;
  }
  throw new Error('expected a failure');
};

void test('chartRef ExternalArtifact: the artifact is all that counts (no conditions, no observedGeneration)', () => {
  const hr = fromRef('ExternalArtifact');
  assert.equal(chartSourceKindOf(hr), 'ExternalArtifact');
  assert.equal(chartSourceKindOf(fromRef('GitRepository')), undefined);
  const artifact = { revision: 'latest@sha256:0123456789abcdef', digest: 'sha256:x', url: 'http://a/b.tar.gz' };
  const ea = (status?: unknown): KubeObject =>
    ({
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'ExternalArtifact',
      metadata: { name: 'chart', namespace: 'apps', generation: 1 },
      ...(status ? { status } : {}),
    }) as KubeObject;
  const got = readySourceArtifact({ hr, sources: sourcesWith([ea({ artifact })]), requeueMs: 1000 });
  assert.deepEqual(got, { artifact, key: 'apps/chart', kind: 'ExternalArtifact' });

  const missing = failureOf(() => readySourceArtifact({ hr, sources: sourcesWith([]), requeueMs: 1000 }));
  assert.equal(missing.reason, 'ArtifactFailed');
  assert.equal(
    missing.message,
    'could not get Source object: ExternalArtifact.source.toolkit.fluxcd.io "chart" not found',
  );
  const empty = failureOf(() => readySourceArtifact({ hr, sources: sourcesWith([ea()]), requeueMs: 1000 }));
  assert.equal(empty.reason, 'SourceNotReady');
  assert.equal(empty.message, "ExternalArtifact 'apps/chart' is not ready: does not have an artifact");
});

void test('the chart version takes the digest from an OCIRepository always, from an ExternalArtifact with a digest', () => {
  assert.equal(revisionCarriesDigest('OCIRepository', '1.0.0'), true);
  assert.equal(revisionCarriesDigest('ExternalArtifact', 'latest@sha256:0123456789ab'), true);
  assert.equal(revisionCarriesDigest('ExternalArtifact', '1.2.3'), false);
  assert.equal(revisionCarriesDigest('HelmChart', 'sha256:0123456789ab'), false);
});
