// dependsOn ordering and health checks against real rollouts (kwok makes Pods Ready).
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
  env = await startTestEnv();
  await env.namespace(ns);
  await env.createRepo('deps', {
    'db/deploy.yaml': deployment('db'),
    'app/deploy.yaml': deployment('app'),
    'broken/deploy.yaml': deployment('broken', '      nodeSelector: {no-such-node: "true"}\n'),
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
