// dependsOn ordering and health checks against real rollouts (kwok makes Pods Ready); CEL health checks
// (spec.healthCheckExprs) on a custom resource and a dependsOn[].readyExpr that blocks, then unblocks.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { gitRepository, ksRef, kustomization, startTestEnv, type TestEnv } from '../support/env.ts';

let env: TestEnv;
const ns = 'deps';
const deployment = (name: string, extra = ''): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: ${ns}
spec:
  replicas: 1
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
${extra}      containers:
        - name: app
          image: example.invalid/${name}:1
`;

before(async () => {
  // Dependencies are looked at again after 2s, so that unblocking a readyExpr shows quickly.
  env = await startTestEnv({ config: { requeueDependencyMs: 2000 } });
  await env.namespace(ns);
  await env.createRepo('deps', {
    'db/deploy.yaml': deployment('db'),
    'app/deploy.yaml': deployment('app'),
    'broken/deploy.yaml': deployment('broken', '      nodeSelector: {no-such-node: "true"}\n'),
    'consumer/cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: consumer\n  namespace: ${ns}\ndata:\n  a: b\n`,
    'gadgets/gadget.yaml': `apiVersion: e2e.driftless.dev/v1\nkind: Gadget\nmetadata:\n  name: g1\n  namespace: ${ns}\nspec:\n  size: 1\n`,
  });
  await env.apply(gitRepository(ns, 'deps', env.git.repoUrl('deps')));
});
after(() => env?.stop());

test('dependsOn: the dependent waits until its dependency is Ready and healthy', async () => {
  // The dependent is created first; it must report DependencyNotReady until db is Ready.
  await env.apply(kustomization(ns, 'app', 'deps', { path: './app', dependsOn: [{ name: 'db' }], wait: true }));
  await env.waitForReady(ksRef(ns, 'app'), { status: 'False', reason: 'DependencyNotReady' });
  assert.equal(await env.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'app' }), undefined);
  await env.apply(kustomization(ns, 'db', 'deps', { path: './db', wait: true }));
  const db = await env.waitForReady(ksRef(ns, 'db'));
  assert.equal(db.status?.conditions?.find((c) => c.type === 'Healthy')?.status, 'True');
  const app = await env.waitForReady(ksRef(ns, 'app'));
  const appReadyAt = Date.parse(app.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime ?? '');
  const dbReadyAt = Date.parse(db.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime ?? '');
  assert.ok(appReadyAt >= dbReadyAt, 'app became Ready after db');
});

test('a Deployment that cannot become ready fails the health check within the timeout', async () => {
  await env.apply(
    kustomization(ns, 'broken', 'deps', {
      path: './broken',
      timeout: '30s',
      healthChecks: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'broken', namespace: ns }],
    }),
  );
  const ks = await env.waitForReady(ksRef(ns, 'broken'), { status: 'False', reason: 'HealthCheckFailed' }, 90_000);
  const healthy = ks.status?.conditions?.find((c) => c.type === 'Healthy');
  assert.equal(healthy?.status, 'False');
  assert.match(ks.status?.conditions?.find((c) => c.type === 'Ready')?.message ?? '', /Deployment\/deps\/broken/);
  assert.ok(
    await env.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'broken' }),
    'the object was applied',
  );
});

const gadgetCrd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'gadgets.e2e.driftless.dev' },
  spec: {
    group: 'e2e.driftless.dev',
    names: { kind: 'Gadget', plural: 'gadgets', singular: 'gadget', listKind: 'GadgetList' },
    scope: 'Namespaced',
    // No status subresource: the test writes status itself, as the Gadget's "controller".
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
      },
    ],
  },
};
const gadgetRef = { apiVersion: 'e2e.driftless.dev/v1', kind: 'Gadget', namespace: ns, name: 'g1' };
const setGadgetPhase = (phase: string) =>
  env.client.apply({ ...gadgetRef, metadata: { name: 'g1', namespace: ns }, status: { phase } } as never, {
    fieldManager: 'gadget-controller',
  });

test('healthCheckExprs: a custom resource is healthy only when its CEL expression says so', async () => {
  await env.client.apply(gadgetCrd as never, { fieldManager: 'e2e' });
  await env.waitFor('the Gadget CRD to be established', async () =>
    (
      (
        await env.client.get({
          apiVersion: 'apiextensions.k8s.io/v1',
          kind: 'CustomResourceDefinition',
          name: gadgetCrd.metadata.name,
        })
      )?.status as { conditions?: { type: string; status: string }[] } | undefined
    )?.conditions?.some((c) => c.type === 'Established' && c.status === 'True'),
  );
  await env.apply(
    kustomization(ns, 'gadgets', 'deps', {
      path: './gadgets',
      wait: true,
      timeout: '3m',
      healthCheckExprs: [
        {
          apiVersion: 'e2e.driftless.dev/v1',
          kind: 'Gadget',
          inProgress: "has(status.phase) && status.phase == 'Provisioning'",
          failed: "status.phase == 'Broken'",
          current: "status.phase == 'Ready'",
        },
      ],
    }),
  );
  // kstatus alone would call a Gadget without conditions Current at once; the expression keeps it waiting.
  await env.waitFor('the Gadget to be applied', () => env.get(gadgetRef));
  await setGadgetPhase('Provisioning');
  // Wait for the health-check phase itself: a reconcile that starts over (the Gadget's status change is a
  // watch event) shows "Fetching manifests" with the same reason first.
  const waiting = await env.waitForReady(ksRef(ns, 'gadgets'), {
    status: 'Unknown',
    reason: 'Progressing',
    messageIncludes: 'Running health checks',
  });
  assert.notEqual(waiting.status?.conditions?.find((c) => c.type === 'Healthy')?.status, 'True');
  await setGadgetPhase('Ready');
  const ready = await env.waitForReady(ksRef(ns, 'gadgets'), { status: 'True' }, 90_000);
  assert.equal(ready.status?.conditions?.find((c) => c.type === 'Healthy')?.status, 'True');
});

test('dependsOn[].readyExpr blocks the dependent until the expression over dep and self is true', async () => {
  const labelled = (obj: ReturnType<typeof kustomization>, release: string) => ({
    ...obj,
    metadata: { ...obj.metadata, labels: { release } },
  });
  const gadgets = await env.get(ksRef(ns, 'gadgets'));
  assert.ok(gadgets, 'the gadgets Kustomization exists (previous test)');
  await env.apply(
    labelled(
      kustomization(ns, 'consumer', 'deps', {
        path: './app',
        dependsOn: [
          { name: 'gadgets', readyExpr: "dep.metadata.labels['release'] == self.metadata.labels['release']" },
        ],
      }),
      'v2',
    ),
  );
  // The dependency has no labels yet: the expression fails to evaluate, so the dependent waits.
  await env.waitForReady(ksRef(ns, 'consumer'), { status: 'False', reason: 'DependencyNotReady' });
  await env.client.apply(
    {
      apiVersion: gadgets.apiVersion,
      kind: gadgets.kind,
      metadata: { name: 'gadgets', namespace: ns, labels: { release: 'v1' } },
    },
    { fieldManager: 'e2e-labels' },
  );
  await env.waitForReady(ksRef(ns, 'consumer'), {
    status: 'False',
    reason: 'DependencyNotReady',
    messageIncludes: 'according to readyExpr',
  });
  await env.client.apply(
    {
      apiVersion: gadgets.apiVersion,
      kind: gadgets.kind,
      metadata: { name: 'gadgets', namespace: ns, labels: { release: 'v2' } },
    },
    { fieldManager: 'e2e-labels' },
  );
  await env.waitForReady(ksRef(ns, 'consumer'), { status: 'True' }, 90_000);
});
