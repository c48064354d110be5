import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { InstanceInfoMetric, instanceInfoLabels } from './instance-info-metric.ts';
import { testInstance } from './test-objects.ts';

const ready = {
  type: 'Ready',
  status: 'True' as const,
  reason: 'ReconciliationSucceeded',
  message: 'ok',
  lastTransitionTime: '2026-01-02T03:04:05Z',
};

void test('labels come from the Ready condition, the pause annotation, the registry and the applied revision', () => {
  const instance = { ...testInstance(), status: { conditions: [ready], lastAppliedRevision: '2.x@sha256:ab' } };
  assert.deepEqual(instanceInfoLabels(instance), {
    uid: 'uid-1',
    kind: 'FluxInstance',
    name: 'flux',
    exported_namespace: 'flux-system',
    ready: 'True',
    reason: 'ReconciliationSucceeded',
    suspended: 'False',
    registry: 'ghcr.io/fluxcd',
    revision: '2.x@sha256:ab',
  });
  const paused = testInstance({}, { annotations: { 'fluxcd.controlplane.io/reconcile': 'Disabled' } });
  assert.deepEqual(
    [instanceInfoLabels(paused).suspended, instanceInfoLabels(paused).ready, instanceInfoLabels(paused).revision],
    ['True', 'Unknown', ''],
  );
});

void test('one series per instance: replaced on update, gone on removal; a second metric shares the gauge', async () => {
  const registry = new Registry();
  const metric = new InstanceInfoMetric({ registry });
  const series = async () => (await registry.metrics()).split('\n').filter((l) => l.startsWith('flux_instance_info{'));
  metric.set('flux-system/flux', testInstance());
  metric.set('flux-system/flux', { ...testInstance(), status: { conditions: [ready] } });
  const lines = await series();
  assert.equal(lines.length, 1);
  assert.match(
    lines[0] ?? '',
    /ready="True",reason="ReconciliationSucceeded",suspended="False",registry="ghcr.io\/fluxcd",revision=""\} 1$/,
  );
  const again = new InstanceInfoMetric({ registry });
  again.remove('flux-system/flux');
  assert.equal((await series()).length, 1, 'the other owner still tracks its series');
  metric.remove('flux-system/flux');
  assert.deepEqual(await series(), []);
});
