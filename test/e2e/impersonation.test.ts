// spec.serviceAccountName: every apply runs as that ServiceAccount, so RBAC decides what a tenant may change.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { gitRepository, ksRef, kustomization, startTestEnv, type TestEnv } from '../support/env.ts';
import { configMapsOnlyServiceAccount } from '../support/rbac.ts';

let env: TestEnv;
const ns = 'tenant';

before(async () => {
  env = await startTestEnv();
  await env.namespace(ns);
  await configMapsOnlyServiceAccount(env, ns, 'restricted', 'restricted-configmaps');
  await env.createRepo('tenant', {
    'allowed/cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: allowed\n  namespace: ${ns}\ndata:\n  a: b\n`,
    'denied/sa.yaml': `apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sneaky\n  namespace: ${ns}\n`,
  });
  await env.apply(gitRepository(ns, 'tenant', env.git.repoUrl('tenant')));
});
after(() => env?.stop());

test('what the ServiceAccount may do is applied', async () => {
  await env.apply(kustomization(ns, 'allowed', 'tenant', { path: './allowed', serviceAccountName: 'restricted' }));
  await env.waitForReady(ksRef(ns, 'allowed'));
  const cm = await env.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'allowed' });
  assert.ok(cm);
  const manager = cm.metadata.managedFields?.find((m) => m.manager === 'kustomize-controller');
  assert.ok(manager, 'applied with the kustomize-controller field manager');
});

test('what RBAC denies fails with a clear error naming the object and the ServiceAccount', async () => {
  await env.apply(kustomization(ns, 'denied', 'tenant', { path: './denied', serviceAccountName: 'restricted' }));
  const ks = await env.waitForReady(ksRef(ns, 'denied'), { status: 'False', reason: 'ReconciliationFailed' });
  const message = ks.status?.conditions?.find((c) => c.type === 'Ready')?.message ?? '';
  assert.match(message, /ServiceAccount\/tenant\/sneaky/);
  assert.match(message, /forbidden/i);
  assert.match(message, /system:serviceaccount:tenant:restricted/);
  assert.equal(await env.get({ apiVersion: 'v1', kind: 'ServiceAccount', namespace: ns, name: 'sneaky' }), undefined);
});
