// Integration tests of the ResourceManager against a real kube-apiserver (see test/support/control-plane.ts).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { testControlPlane, type TestControlPlane } from '../../test/support/control-plane.ts';
import { KubeClient } from '../kube/client.ts';
import { loadKubeConfig } from '../kube/config.ts';
import type { KubeObject, ObjectRef } from '../kube/types.ts';
import { AppliedMemory } from './applied-memory.ts';
import { ResourceManager } from './apply.ts';
import type { ChangeSet } from './changeset.ts';
import { ApplyError } from './errors.ts';

const id = randomBytes(3).toString('hex');
const owner = {
  'kustomize.toolkit.fluxcd.io/name': `apps-${id}`,
  'kustomize.toolkit.fluxcd.io/namespace': 'flux-system',
};
let cp: TestControlPlane;
let client: KubeClient;
let manager: ResourceManager;
const namespaces: string[] = [];
const crds: string[] = [];

before(async () => {
  cp = await testControlPlane();
  client = new KubeClient({ kubeConfig: loadKubeConfig(cp.kubeconfigPath) });
  manager = new ResourceManager({ client, fieldManager: 'driftless-test', ownerLabels: owner, pollIntervalMs: 200 });
});

after(async () => {
  // Matters only when the cluster is shared (DRIFTLESS_TEST_KUBECONFIG); a private one is thrown away.
  for (const name of namespaces) await client.delete({ apiVersion: 'v1', kind: 'Namespace', name });
  for (const name of crds)
    await client.delete({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name });
  await cp.stop();
});

const namespace = (name: string): KubeObject => {
  namespaces.push(name);
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
};
const configMap = (
  ns: string,
  name: string,
  data: Record<string, string>,
  annotations?: Record<string, string>,
): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: ns, ...(annotations ? { annotations } : {}) },
  data,
});
const deployment = (ns: string, name: string, app: string): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: ns },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app } },
    template: { metadata: { labels: { app } }, spec: { containers: [{ name: 'c', image: 'example.invalid/app:1' }] } },
  },
});
const actions = (cs: ChangeSet): Record<string, string> =>
  Object.fromEntries(cs.entries.map((e) => [e.subject, e.action]));
const get = async (ref: ObjectRef): Promise<KubeObject> => {
  const obj = await client.get(ref);
  assert.ok(obj, `${ref.kind}/${ref.name} should exist`);
  return obj;
};
const cmRef = (ns: string, name: string): ObjectRef => ({ apiVersion: 'v1', kind: 'ConfigMap', name, namespace: ns });

async function rejects(promise: Promise<unknown>, check: (err: ApplyError) => void): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof ApplyError, `expected ApplyError, got ${String(err)}`);
    check(err);
    return true;
  });
}

void test('a Namespace, a CRD and a custom resource apply in one call; re-apply is a no-op; a change configures', async () => {
  const ns = `stage-${id}`;
  const group = `stage${id}.example.com`;
  crds.push(`widgets.${group}`);
  const crd: KubeObject = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `widgets.${group}` },
    spec: {
      group,
      scope: 'Namespaced',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } },
            },
          },
        },
      ],
    },
  };
  const widget = (size: number): KubeObject => ({
    apiVersion: `${group}/v1`,
    kind: 'Widget',
    metadata: { name: 'w1', namespace: ns },
    spec: { size },
  });
  // Custom resource first: the stages must reorder.
  const objects = [widget(1), configMap(ns, 'cfg', { a: '1' }), crd, namespace(ns)];

  const first = await manager.applyAllStaged(objects);
  assert.deepEqual(
    first.entries.map((e) => `${e.subject} ${e.action}`),
    [
      `CustomResourceDefinition/widgets.${group} created`,
      `Namespace/${ns} created`,
      `ConfigMap/${ns}/cfg created`,
      `Widget/${ns}/w1 created`,
    ],
  );
  const widgetRef = { apiVersion: `${group}/v1`, kind: 'Widget', name: 'w1', namespace: ns };
  const stored = await get(widgetRef);
  assert.deepEqual(stored.metadata.labels, owner);
  const versions = await Promise.all(first.entries.map(async (e) => (await get(e.ref)).metadata.resourceVersion));

  const second = await manager.applyAllStaged(objects);
  assert.ok(
    second.entries.every((e) => e.action === 'unchanged'),
    JSON.stringify(actions(second)),
  );
  const versionsAfter = await Promise.all(second.entries.map(async (e) => (await get(e.ref)).metadata.resourceVersion));
  assert.deepEqual(versionsAfter, versions, 'no resourceVersion bump on a no-op apply');

  const third = await manager.applyAllStaged([widget(2), configMap(ns, 'cfg', { a: '1' }), crd, namespace(ns)]);
  assert.equal(actions(third)[`Widget/${ns}/w1`], 'configured');
  assert.equal(actions(third)[`ConfigMap/${ns}/cfg`], 'unchanged');
  assert.deepEqual((await get(widgetRef)).spec, { size: 2 });
});

void test('edits by kubectl are reverted, the last-applied annotation removed, and the next apply is unchanged', async () => {
  const ns = `drift-${id}`;
  const objects = [namespace(ns), configMap(ns, 'cfg', { a: '1' }), deployment(ns, 'web', 'web')];
  await manager.applyAllStaged(objects);
  await client.patch(
    cmRef(ns, 'cfg'),
    {
      metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' } },
      data: { a: 'edited', extra: 'x' },
    },
    { fieldManager: 'kubectl-edit' },
  );
  const depRef = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: ns };
  await client.patch(depRef, { spec: { replicas: 3 } }, { fieldManager: 'someone-else' });

  const cs = await manager.applyAllStaged(objects);
  assert.equal(actions(cs)[`ConfigMap/${ns}/cfg`], 'configured');
  assert.equal(actions(cs)[`Deployment/${ns}/web`], 'configured');
  const cm = await get(cmRef(ns, 'cfg'));
  assert.deepEqual(cm.data, { a: '1' });
  assert.equal(cm.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'], undefined);
  assert.equal(((await get(depRef)).spec as { replicas: number }).replicas, 1);

  const again = await manager.applyAllStaged(objects);
  assert.ok(
    again.entries.every((e) => e.action === 'unchanged'),
    JSON.stringify(actions(again)),
  );
});

void test('ssa IfNotPresent creates only, Ignore and reconcile: disabled skip, Merge keeps foreign fields', async () => {
  const ns = `ssa-${id}`;
  const ssa = (mode: string) => ({ 'kustomize.toolkit.fluxcd.io/ssa': mode });
  await manager.applyAllStaged([
    namespace(ns),
    configMap(ns, 'once', { a: '1' }, ssa('IfNotPresent')),
    configMap(ns, 'merge', { a: '1' }, ssa('Merge')),
    configMap(ns, 'disabled', { a: '1' }),
  ]);
  await client.patch(cmRef(ns, 'merge'), { data: { extra: 'kept' } }, { fieldManager: 'kubectl-edit' });
  await client.patch(cmRef(ns, 'disabled'), {
    metadata: { labels: { 'kustomize.toolkit.fluxcd.io/reconcile': 'disabled' } },
  });

  const cs = await manager.applyAllStaged([
    namespace(ns),
    configMap(ns, 'once', { a: '2' }, ssa('IfNotPresent')),
    configMap(ns, 'ignored', { a: '1' }, ssa('Ignore')),
    configMap(ns, 'merge', { a: '1' }, ssa('Merge')),
    configMap(ns, 'disabled', { a: '2' }),
  ]);
  assert.deepEqual(actions(cs), {
    [`Namespace/${ns}`]: 'unchanged',
    [`ConfigMap/${ns}/disabled`]: 'skipped',
    [`ConfigMap/${ns}/ignored`]: 'skipped',
    [`ConfigMap/${ns}/merge`]: 'unchanged',
    [`ConfigMap/${ns}/once`]: 'skipped',
  });
  assert.deepEqual((await get(cmRef(ns, 'once'))).data, { a: '1' });
  assert.deepEqual((await get(cmRef(ns, 'disabled'))).data, { a: '1' });
  assert.deepEqual((await get(cmRef(ns, 'merge'))).data, { a: '1', extra: 'kept' });
  assert.equal(await client.get(cmRef(ns, 'ignored')), undefined);
});

void test('an immutable field change fails without force and recreates the object with force', async () => {
  const ns = `immutable-${id}`;
  await manager.applyAllStaged([namespace(ns), deployment(ns, 'web', 'v1')]);
  const depRef = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: ns };
  const before = await get(depRef);

  await rejects(manager.applyAllStaged([namespace(ns), deployment(ns, 'web', 'v2')]), (err) => {
    assert.match(err.message, new RegExp(`^Deployment/${ns}/web dry-run failed \\(Invalid\\): .*field is immutable`));
    assert.deepEqual(actions(err.changeSet), { [`Namespace/${ns}`]: 'unchanged' });
  });
  assert.equal((await get(depRef)).metadata.uid, before.metadata.uid, 'untouched without force');

  const cs = await manager.applyAllStaged([namespace(ns), deployment(ns, 'web', 'v2')], { force: true });
  assert.equal(actions(cs)[`Deployment/${ns}/web`], 'created');
  const after = await get(depRef);
  assert.notEqual(after.metadata.uid, before.metadata.uid);
  assert.deepEqual((after.spec as { selector: unknown }).selector, { matchLabels: { app: 'v2' } });
});

void test('an identity without RBAC gets an ApplyError naming the object and saying forbidden', async () => {
  const ns = `rbac-${id}`;
  await manager.applyAllStaged([namespace(ns), configMap(ns, 'cfg', { a: '1' })]);
  // The tenant may read ConfigMaps but not write or delete them.
  await manager.applyAllStaged([
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
  // RBAC takes effect when the authorizer's cache has seen the binding: wait until the tenant can read.
  const tenantClient = client.asServiceAccount(ns, 'tenant');
  const canRead = async (): Promise<boolean> =>
    tenantClient.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'cfg' }).then(
      () => true,
      () => false,
    );
  for (const deadline = Date.now() + 30_000; !(await canRead());) {
    assert.ok(Date.now() < deadline, 'the tenant still cannot read ConfigMaps 30 s after its RoleBinding');
    await new Promise((r) => setTimeout(r, 100));
  }
  const tenant = new ResourceManager({
    client: tenantClient,
    fieldManager: 'driftless-test',
    ownerLabels: owner,
  });
  await rejects(tenant.applyAllStaged([configMap(ns, 'cfg', { a: '2' }), configMap(ns, 'new', { a: '1' })]), (err) => {
    assert.equal(err.failures.length, 2);
    assert.match(err.message, new RegExp(`ConfigMap/${ns}/cfg dry-run failed \\(Forbidden\\): .*forbidden`));
    assert.match(err.message, new RegExp(`ConfigMap/${ns}/new dry-run failed \\(Forbidden\\)`));
  });
  const nobody = new ResourceManager({
    client: client.asServiceAccount(ns, 'nobody'),
    fieldManager: 'driftless-test',
    ownerLabels: owner,
  });
  await rejects(nobody.applyAllStaged([configMap(ns, 'cfg', { a: '2' })]), (err) => {
    assert.match(err.message, new RegExp(`^ConfigMap/${ns}/cfg get failed \\(Forbidden\\): .*forbidden`));
  });
});

void test('a custom resource whose CRD is missing, and a namespaced object without namespace, fail with clear messages', async () => {
  const missing: KubeObject = {
    apiVersion: `nope${id}.example.com/v1`,
    kind: 'Gadget',
    metadata: { name: 'g', namespace: 'default' },
  };
  const noNamespace: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'orphan' }, data: {} };
  await rejects(manager.applyAllStaged([missing, noNamespace]), (err) => {
    assert.match(err.message, /Gadget\/default\/g dry-run failed \(NoKindMatch\): no matches for kind "Gadget"/);
    assert.match(err.message, /ConfigMap\/orphan namespace not specified/);
  });
});

void test('applying into a terminating namespace fails with the server reason', async () => {
  const ns = `terminating-${id}`;
  await manager.applyAllStaged([
    namespace(ns),
    { ...configMap(ns, 'held', {}), metadata: { name: 'held', namespace: ns, finalizers: ['example.com/hold'] } },
  ]);
  await client.delete({ apiVersion: 'v1', kind: 'Namespace', name: ns });
  try {
    await rejects(manager.applyAllStaged([configMap(ns, 'late', { a: '1' })]), (err) => {
      assert.match(err.message, new RegExp(`ConfigMap/${ns}/late dry-run failed \\(Forbidden\\): .*being terminated`));
    });
    await rejects(manager.applyAllStaged([namespace(ns), configMap(ns, 'late', { a: '1' })]), (err) => {
      assert.match(err.message, new RegExp(`^Namespace/${ns} is terminating`));
    });
  } finally {
    await client.patch(cmRef(ns, 'held'), { metadata: { finalizers: null } });
  }
});

void test('diff lists changed fields and masks Secret values', async () => {
  const ns = `diff-${id}`;
  const secret = (pw: string): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'creds', namespace: ns },
    stringData: { password: pw },
  });
  await manager.applyAllStaged([namespace(ns), configMap(ns, 'cfg', { a: '1', b: '1' }), secret('old-password')]);
  const drift = await manager.diff([
    namespace(ns),
    configMap(ns, 'cfg', { a: '2', b: '1' }),
    secret('new-password'),
    configMap(ns, 'added', {}),
  ]);
  const bySubject = Object.fromEntries(drift.map((d) => [d.subject, d]));
  assert.equal(bySubject[`Namespace/${ns}`]?.action, 'unchanged');
  assert.equal(bySubject[`ConfigMap/${ns}/added`]?.action, 'created');
  assert.deepEqual(bySubject[`ConfigMap/${ns}/cfg`]?.changes, [{ path: '/data/a', before: '1', after: '2' }]);
  assert.deepEqual(bySubject[`Secret/${ns}/creds`]?.changes, [
    { path: '/data/password', before: '***** (before)', after: '***** (after)' },
  ]);
  const text = JSON.stringify(drift);
  for (const v of ['old-password', 'new-password', Buffer.from('old-password').toString('base64')])
    assert.ok(!text.includes(v));
  assert.equal(await client.get(cmRef(ns, 'added')), undefined, 'diff writes nothing');
});

test('with an applied memory, unchanged objects cost no request; an edit since is planned and corrected', async () => {
  const ns = `memory-${id}`;
  await manager.applyAllStaged([namespace(ns)]);
  let requests = 0;
  const counting = new KubeClient({
    kubeConfig: loadKubeConfig(cp.kubeconfigPath),
    observer: () => void requests++,
  });
  // Stands in for the watch cache: the live resourceVersion as the server has it now.
  const live = new Map<string, string>();
  const refresh = async (names: string[]): Promise<void> => {
    for (const name of names) {
      const o = await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name });
      if (o?.metadata.resourceVersion) live.set(name, o.metadata.resourceVersion);
    }
  };
  const memory = new AppliedMemory({ live: (ref) => live.get(ref.name) });
  const remembering = new ResourceManager({
    client: counting,
    fieldManager: 'driftless-test',
    ownerLabels: owner,
    memory,
  });
  const objects = ['m1', 'm2', 'm3'].map((n) => configMap(ns, n, { k: n }));
  const first = await remembering.applyAllStaged(objects);
  assert.deepEqual(Object.values(actions(first)), ['created', 'created', 'created']);
  await refresh(['m1', 'm2', 'm3']);

  requests = 0;
  const second = await remembering.applyAllStaged(objects);
  assert.deepEqual(Object.values(actions(second)), ['unchanged', 'unchanged', 'unchanged']);
  assert.equal(requests, 0, 'no read, dry-run or apply for objects nothing touched');

  // Someone else edits m2: the watch cache shows a new resourceVersion, so m2 is planned and put back.
  await client.apply(configMap(ns, 'm2', { k: 'edited' }), { fieldManager: 'someone-else', force: true });
  await refresh(['m2']);
  requests = 0;
  const third = await remembering.applyAllStaged(objects);
  assert.deepEqual(Object.values(actions(third)), ['unchanged', 'configured', 'unchanged']);
  assert.ok(requests > 0);
  const m2 = await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'm2' });
  assert.deepEqual((m2 as { data?: unknown }).data, { k: 'm2' });
});
