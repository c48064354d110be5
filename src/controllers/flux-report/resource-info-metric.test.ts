import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { fluxObject } from './compute/test-objects.ts';
import { ResourceInfoMetric } from './resource-info-metric.ts';

const seriesOf = async (registry: Registry): Promise<string[]> =>
  (await registry.metrics())
    .split('\n')
    .filter((l) => l.startsWith('flux_resource_info{'))
    .sort();

const ks = (name: string, ready: 'True' | 'False', revision = 'main@sha1:1') =>
  fluxObject('Kustomization', name, {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    spec: { path: './p', sourceRef: { name: 'src' } },
    status: { lastAttemptedRevision: revision },
    ready: { status: ready, reason: ready === 'True' ? 'ReconciliationSucceeded' : 'BuildFailed' },
  });

void test('an update replaces the object series, a delete removes it', async () => {
  const registry = new Registry();
  const metric = new ResourceInfoMetric({ registry });
  metric.upsert(ks('apps', 'False'));
  metric.upsert(ks('infra', 'True'));
  metric.upsert(ks('apps', 'True', 'main@sha1:2'));
  const series = await seriesOf(registry);
  assert.equal(series.length, 2);
  assert.match(
    series[0]!,
    /^flux_resource_info\{.*kind="Kustomization",name="apps",exported_namespace="flux-system",ready="True",reason="ReconciliationSucceeded",suspended="False",revision="main@sha1:2",source_name="src",path=".\/p"\} 1$/,
  );
  metric.remove(ks('apps', 'True'));
  const left = await seriesOf(registry);
  assert.equal(left.length, 1);
  assert.match(left[0]!, /name="infra"/);
  metric.remove(ks('gone', 'True'));
  assert.equal(metric.size, 1);
});

void test('replace drops vanished objects but keeps the kinds whose list failed', async () => {
  const registry = new Registry();
  const metric = new ResourceInfoMetric({ registry });
  metric.upsert(ks('old', 'True'));
  metric.upsert(fluxObject('GitRepository', 'repo', { spec: { url: 'https://x' } }));
  metric.replace([ks('new', 'True')], new Set(['GitRepository']));
  const series = await seriesOf(registry);
  assert.deepEqual(series.map((s) => /name="([^"]+)"/.exec(s)?.[1]).sort(), ['new', 'repo']);
  metric.replace([]);
  assert.deepEqual(await seriesOf(registry), []);
});

void test('a second metric on the same registry shares the gauge', () => {
  const registry = new Registry();
  new ResourceInfoMetric({ registry }).upsert(ks('a', 'True'));
  assert.doesNotThrow(() => new ResourceInfoMetric({ registry }));
});
