// Pruning against a real kube-apiserver (see test/support/control-plane.ts).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { testControlPlane, type TestControlPlane } from '../../test/support/control-plane.ts';
import { KubeClient } from '../kube/client.ts';
import { loadKubeConfig } from '../kube/config.ts';
import type { KubeObject, ObjectRef } from '../kube/types.ts';
import { ResourceManager } from './apply.ts';
import type { ChangeSet } from './changeset.ts';

const id = randomBytes(3).toString('hex');
const owner = {
  'kustomize.toolkit.fluxcd.io/name': `apps-${id}`,
  'kustomize.toolkit.fluxcd.io/namespace': 'flux-system',
};
let cp: TestControlPlane;
let client: KubeClient;
let manager: ResourceManager;
const namespaces: string[] = [];

before(async () => {
  cp = await testControlPlane();
  client = new KubeClient({ kubeConfig: loadKubeConfig(cp.kubeconfigPath) });
  manager = new ResourceManager({ client, fieldManager: 'driftless-test', ownerLabels: owner, pollIntervalMs: 200 });
});

after(async () => {
  for (const name of namespaces) await client.delete({ apiVersion: 'v1', kind: 'Namespace', name });
  await cp.stop();
});

const namespace = (name: string): KubeObject => {
  namespaces.push(name);
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
};
const configMap = (ns: string, name: string, annotations?: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: ns, ...(annotations ? { annotations } : {}) },
  data: { a: '1' },
});
const cmRef = (ns: string, name: string): ObjectRef => ({ apiVersion: 'v1', kind: 'ConfigMap', name, namespace: ns });
const actions = (cs: ChangeSet): Record<string, string> =>
  Object.fromEntries(cs.entries.map((e) => [e.subject, e.action]));

void test('prune deletes only objects with our owner labels and without prune: disabled', async () => {
  const ns = `prune-${id}`;
  await manager.applyAllStaged([
    namespace(ns),
    configMap(ns, 'stale'),
    configMap(ns, 'keep', { 'kustomize.toolkit.fluxcd.io/prune': 'disabled' }),
    configMap(ns, 'ignored', { 'kustomize.toolkit.fluxcd.io/ssa': 'Ignore' }),
    configMap(ns, 'adopted'),
  ]);
  // Ignore means "never apply": create that one by hand, with our labels, to prove prune skips it too.
  await client.create({
    ...configMap(ns, 'ignored', { 'kustomize.toolkit.fluxcd.io/ssa': 'Ignore' }),
    metadata: {
      name: 'ignored',
      namespace: ns,
      labels: owner,
      annotations: { 'kustomize.toolkit.fluxcd.io/ssa': 'Ignore' },
    },
  });
  await client.patch(cmRef(ns, 'adopted'), {
    metadata: { labels: { 'kustomize.toolkit.fluxcd.io/name': 'someone-else' } },
  });
  await client.create(configMap(ns, 'foreign'));

  const stale = ['stale', 'keep', 'ignored', 'adopted', 'foreign', 'already-gone'].map((n) => cmRef(ns, n));
  const result = await manager.prune(stale);
  assert.deepEqual(result.failed, []);
  assert.deepEqual(actions(result.changeSet), {
    [`ConfigMap/${ns}/already-gone`]: 'deleted',
    [`ConfigMap/${ns}/stale`]: 'deleted',
    [`ConfigMap/${ns}/keep`]: 'skipped',
    [`ConfigMap/${ns}/ignored`]: 'skipped',
    [`ConfigMap/${ns}/adopted`]: 'skipped',
    [`ConfigMap/${ns}/foreign`]: 'skipped',
  });
  assert.equal(await client.get(cmRef(ns, 'stale')), undefined);
  for (const n of ['keep', 'ignored', 'adopted', 'foreign']) assert.ok(await client.get(cmRef(ns, n)), `${n} survives`);
  await assert.rejects(manager.prune(stale, { ownerLabels: {} }), /refusing to prune without owner labels/);

  const all = await manager.deleteAll([cmRef(ns, 'foreign')], { ownerLabels: {} });
  assert.deepEqual(actions(all.changeSet), { [`ConfigMap/${ns}/foreign`]: 'deleted' });
});

void test('an object whose kind is no longer served counts as deleted', async () => {
  const ref = { apiVersion: `gone${id}.example.com/v1`, kind: 'Gadget', name: 'g', namespace: 'default' };
  const result = await manager.prune([ref]);
  assert.deepEqual(result.failed, []);
  assert.deepEqual(actions(result.changeSet), { 'Gadget/default/g': 'deleted' });
});

void test('a delete the API server refuses is returned as failed, not thrown, and the object stays', async () => {
  const ns = `prune-rbac-${id}`;
  await manager.applyAllStaged([
    namespace(ns),
    configMap(ns, 'cfg'),
    configMap(ns, 'other'),
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'read', namespace: ns },
      rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'read', namespace: ns },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'read' },
      subjects: [{ kind: 'ServiceAccount', name: 'tenant', namespace: ns }],
    },
  ]);
  const tenant = new ResourceManager({
    client: client.asServiceAccount(ns, 'tenant'),
    fieldManager: 'driftless-test',
    ownerLabels: owner,
  });
  const result = await tenant.prune([cmRef(ns, 'cfg'), cmRef(ns, 'other')]);
  assert.deepEqual(result.failed, [cmRef(ns, 'cfg'), cmRef(ns, 'other')].reverse());
  assert.equal(result.changeSet.entries.length, 0);
  assert.match(result.failures[0]?.message ?? '', new RegExp(`^ConfigMap/${ns}/other delete failed: .*forbidden`));
  assert.ok(await client.get(cmRef(ns, 'cfg')), 'survives the failed prune');
});
