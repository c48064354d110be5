// Health checks against a real control plane: kwok plays the kubelet, so Pods really become Ready.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { testControlPlane, type TestControlPlane } from '../../test/support/control-plane.ts';
import { KubeClient } from '../kube/client.ts';
import { loadKubeConfig } from '../kube/config.ts';
import type { KubeObject, ObjectRef } from '../kube/types.ts';
import { ResourceManager } from './apply.ts';
import { HealthCheckError, waitForHealth } from './health.ts';

const id = randomBytes(3).toString('hex');
const ns = `health-${id}`;
const group = `health${id}.example.com`;
let cp: TestControlPlane;
let client: KubeClient;

const deployment = (name: string, nodeSelector?: Record<string, string>): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: ns },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: 'c', image: 'example.invalid/app:1' }], ...(nodeSelector ? { nodeSelector } : {}) },
    },
  },
});
const refOf = (o: KubeObject): ObjectRef => ({
  apiVersion: o.apiVersion,
  kind: o.kind,
  name: o.metadata.name,
  namespace: ns,
});

const crd: KubeObject = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `gadgets.${group}` },
  spec: {
    group,
    scope: 'Namespaced',
    names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget', listKind: 'GadgetList' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
      },
    ],
  },
};
const gadget: KubeObject = {
  apiVersion: `${group}/v1`,
  kind: 'Gadget',
  metadata: { name: 'g', namespace: ns },
  spec: {},
};

before(async () => {
  cp = await testControlPlane();
  client = new KubeClient({ kubeConfig: loadKubeConfig(cp.kubeconfigPath) });
  const manager = new ResourceManager({
    client,
    fieldManager: 'driftless-test',
    ownerLabels: { test: id },
    pollIntervalMs: 200,
  });
  await manager.applyAllStaged([
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
    crd,
    gadget,
    deployment('ready'),
    deployment('stuck', { 'example.com/no-such-node': 'true' }),
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'once', namespace: ns },
      spec: {
        template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'example.invalid/job:1' }] } },
      },
    },
  ]);
});

after(async () => {
  await client.delete({ apiVersion: 'v1', kind: 'Namespace', name: ns });
  await client.delete({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    name: `gadgets.${group}`,
  });
  await cp.stop();
});

void test('a Deployment whose pods become Ready and a completed Job are healthy', async () => {
  const job = { apiVersion: 'batch/v1', kind: 'Job', name: 'once', namespace: ns };
  const result = await waitForHealth(client, [refOf(deployment('ready')), job], { timeoutMs: 25_000, intervalMs: 250 });
  assert.deepEqual(result.notReady, []);
  assert.deepEqual(
    result.objects.map((o) => [o.subject, o.status]),
    [
      [`Deployment/${ns}/ready`, 'Current'],
      [`Job/${ns}/once`, 'Current'],
    ],
  );
});

void test('a Deployment whose pods can never schedule fails the health check at the timeout', async () => {
  const refs = [refOf(deployment('stuck')), { apiVersion: 'v1', kind: 'ConfigMap', name: 'missing', namespace: ns }];
  await assert.rejects(waitForHealth(client, refs, { timeoutMs: 3000, intervalMs: 500 }), (err: unknown) => {
    assert.ok(err instanceof HealthCheckError);
    assert.match(
      err.message,
      new RegExp(
        `^health check failed after (\\d+m)?\\d+(\\.\\d+)?s: timeout waiting for: \\[Deployment/${ns}/stuck status: 'InProgress' \\(.+\\), ConfigMap/${ns}/missing status: 'NotFound'`,
      ),
    );
    assert.deepEqual(
      err.result.notReady.map((o) => o.status),
      ['InProgress', 'NotFound'],
    );
    return true;
  });
});

void test('a Stalled object fails fast; without fail-fast the wait runs to the timeout', async () => {
  const ref = refOf(gadget);
  await client.patch(
    ref,
    {
      status: {
        conditions: [{ type: 'Stalled', status: 'True', reason: 'InvalidSpec', message: 'spec.url is invalid' }],
      },
    },
    { subresource: 'status' },
  );
  await assert.rejects(
    waitForHealth(client, [ref], { timeoutMs: 60_000, intervalMs: 250 }),
    new RegExp(
      `failed early due to stalled resources: \\[Gadget/${ns}/g status: 'Failed' \\(spec.url is invalid\\)\\]`,
    ),
  );
  await assert.rejects(
    waitForHealth(client, [ref], { timeoutMs: 600, intervalMs: 200, failFast: false }),
    /timeout waiting for: \[Gadget/,
  );
});

void test('aborting the signal stops the wait', async () => {
  const controller = new AbortController();
  const waiting = waitForHealth(client, [refOf(deployment('stuck'))], {
    timeoutMs: 60_000,
    intervalMs: 100,
    signal: controller.signal,
  });
  controller.abort();
  await assert.rejects(waiting, { name: 'AbortError' });
});
