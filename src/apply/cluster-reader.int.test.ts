// The LIST prefetch against a real kube-apiserver: request counts, NotFound, and the GET fallback
// for an identity that may get but not list (a tenant ServiceAccount).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { testControlPlane, type TestControlPlane } from '../../test/support/control-plane.ts';
import { KubeClient } from '../kube/client.ts';
import { loadKubeConfig } from '../kube/config.ts';
import { isForbidden } from '../kube/errors.ts';
import type { KubeObject, ObjectRef } from '../kube/types.ts';
import { ResourceManager } from './apply.ts';
import type { ChangeSet } from './changeset.ts';
import { ClusterReader } from './cluster-reader.ts';
import { Status, waitForHealth } from './health.ts';

const id = randomBytes(3).toString('hex');
const ns = `reader-${id}`;
const owner = { 'kustomize.toolkit.fluxcd.io/name': `reader-${id}` };
let cp: TestControlPlane;
let client: KubeClient;
let manager: ResourceManager;
let requests = 0;

const configMap = (name: string, data: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: ns },
  data,
});
const cmRef = (name: string): ObjectRef => ({ apiVersion: 'v1', kind: 'ConfigMap', name, namespace: ns });
const names = (prefix: string, n: number): string[] =>
  Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(2, '0')}`);
const actions = (cs: ChangeSet): string[] => cs.entries.map((e) => `${e.ref.name} ${e.action}`);

before(async () => {
  cp = await testControlPlane();
  client = new KubeClient({ kubeConfig: loadKubeConfig(cp.kubeconfigPath), observer: () => requests++ });
  manager = new ResourceManager({ client, fieldManager: 'driftless-test', ownerLabels: owner, pollIntervalMs: 200 });
  await manager.applyAllStaged([
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
    // A tenant that may read and write ConfigMaps one by one but not list them.
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'no-list', namespace: ns },
      rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'create', 'update', 'patch'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'no-list', namespace: ns },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'no-list' },
      subjects: [{ kind: 'ServiceAccount', name: 'tenant', namespace: ns }],
    },
  ]);
});

after(async () => {
  await client.delete({ apiVersion: 'v1', kind: 'Namespace', name: ns });
  await cp.stop();
});

void test('a large group is read with one LIST, a small one with GETs, and missing objects read as undefined', async () => {
  await manager.applyAllStaged([
    ...names('listed', 10).map((n) => configMap(n, { n })),
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'small', namespace: ns }, stringData: { a: 'b' } },
  ]);
  await client.resource('v1', 'ConfigMap');
  await client.resource('v1', 'Secret');
  const cms = [...names('listed', 10), 'ghost'].map(cmRef);
  const secrets = ['small', 'absent'].map((name) => ({ ...cmRef(name), kind: 'Secret' }));
  const reader = new ClusterReader({ client });

  requests = 0;
  const source = await reader.snapshot([...cms, ...secrets]);
  assert.equal(requests, 1, 'one LIST for the 11 ConfigMaps, nothing yet for the 2 Secrets');
  const listed = await Promise.all(cms.map((r) => source.get(r)));
  assert.equal(requests, 1, 'ConfigMaps come from the LIST');
  assert.deepEqual(
    listed.map((o) => o && [o.apiVersion, o.kind, o.metadata.name, (o.data as { n: string }).n]),
    [...names('listed', 10).map((n) => ['v1', 'ConfigMap', n, n]), undefined],
  );
  assert.ok(listed[0]?.metadata.managedFields?.some((m) => m.manager === 'driftless-test'));
  assert.equal((await source.get(secrets[0] as ObjectRef))?.metadata.name, 'small');
  assert.equal(await source.get(secrets[1] as ObjectRef), undefined);
  assert.equal(requests, 3, 'one GET per Secret');
});

void test('a ServiceAccount that may not LIST still applies, detects drift and health-checks through GETs', async () => {
  const tenantClient = client.asServiceAccount(ns, 'tenant');
  await assert.rejects(tenantClient.list('v1', 'ConfigMap', { namespace: ns }), (err: unknown) => isForbidden(err));
  const tenant = new ResourceManager({ client: tenantClient, fieldManager: 'driftless-test', ownerLabels: owner });
  const objects = names('tenant', 10).map((n) => configMap(n, { v: '1' }));
  await manager.applyAllStaged([configMap('tenant-03', { v: 'old' })]);

  const first = await tenant.applyAllStaged(objects);
  assert.deepEqual(
    actions(first),
    names('tenant', 10).map((n) => `${n} ${n === 'tenant-03' ? 'configured' : 'created'}`),
  );
  const versions = await Promise.all(names('tenant', 10).map(async (n) => (await client.get(cmRef(n)))?.metadata));

  const reader = new ClusterReader({ client: tenantClient });
  requests = 0;
  await reader.snapshot(objects.map((o) => cmRef(o.metadata.name)));
  assert.equal(requests, 1, 'the refused LIST');
  await reader.snapshot(objects.map((o) => cmRef(o.metadata.name)));
  assert.equal(requests, 1, 'a refused group is not listed again by the same reader');

  const second = await tenant.applyAllStaged(objects);
  assert.deepEqual(
    actions(second),
    names('tenant', 10).map((n) => `${n} unchanged`),
  );
  const changed = await tenant.applyAllStaged(
    objects.map((o, i) => (i === 7 ? configMap(o.metadata.name, { v: '2' }) : o)),
  );
  assert.deepEqual(
    actions(changed).filter((a) => !a.endsWith('unchanged')),
    ['tenant-07 configured'],
  );
  for (const [i, n] of names('tenant', 10).entries()) {
    const now = await client.get(cmRef(n));
    if (i !== 7) assert.equal(now?.metadata.resourceVersion, versions[i]?.resourceVersion, `${n} not re-applied`);
  }

  const health = await waitForHealth(
    tenantClient,
    objects.map((o) => cmRef(o.metadata.name)),
    { timeoutMs: 10_000 },
  );
  assert.deepEqual(
    health.objects.map((h) => h.status),
    objects.map(() => Status.Current),
  );
});

void test('changed objects are applied concurrently but reported in the planned order; unchanged ones keep their version', async () => {
  const all = names('order', 12);
  const shuffled = [...all].reverse().map((n) => configMap(n, { v: '1' }));
  const created = await manager.applyAllStaged(shuffled);
  assert.deepEqual(
    actions(created),
    all.map((n) => `${n} created`),
  );
  const before = await client.list('v1', 'ConfigMap', { namespace: ns });
  const version = (n: string): string | undefined =>
    before.items.find((o) => o.metadata.name === n)?.metadata.resourceVersion;
  const touched = new Set(['order-02', 'order-05', 'order-11']);
  const cs = await manager.applyAllStaged(
    shuffled.map((o) => (touched.has(o.metadata.name) ? configMap(o.metadata.name, { v: '2' }) : o)),
  );
  assert.deepEqual(
    actions(cs),
    all.map((n) => `${n} ${touched.has(n) ? 'configured' : 'unchanged'}`),
  );
  for (const n of all) {
    const now = await client.get(cmRef(n));
    if (touched.has(n)) assert.deepEqual(now?.data, { v: '2' });
    else assert.equal(now?.metadata.resourceVersion, version(n), `${n} not re-applied`);
  }
});
