import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject, ObjectRef } from '../kube/types.ts';
import { buildInventoryTree, refKey, type Entry, type TreeNode } from './inventory-tree.ts';
import { ks } from './test-support.ts';

const inv = (...ids: string[]) => ({ inventory: { entries: ids.map((id) => ({ id, v: 'v1' })) } });

const deployment = (name: string, ready: number): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: 'apps', generation: 1 },
  spec: { replicas: 2 },
  status: {
    observedGeneration: 1,
    replicas: 2,
    updatedReplicas: 2,
    readyReplicas: ready,
    availableReplicas: ready,
    conditions: [
      { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' },
      { type: 'Available', status: ready === 2 ? 'True' : 'False' },
    ],
  },
});

const helmRelease = (name: string, extra: object = {}): KubeObject => ({
  apiVersion: 'helm.toolkit.fluxcd.io/v2',
  kind: 'HelmRelease',
  metadata: { name, namespace: 'apps', generation: 1 },
  spec: {},
  status: {
    observedGeneration: 1,
    conditions: [{ type: 'Ready', status: 'True', reason: 'UpgradeSucceeded', message: 'ok' }],
    ...extra,
  },
});

const flat = (nodes: TreeNode[], depth = 0): string[] =>
  nodes.flatMap((n) => [
    `${'  '.repeat(depth)}${n.kind}/${n.name} ${n.health}${n.status ? ` (${n.status})` : ''}`,
    ...flat(n.children ?? [], depth + 1),
  ]);

test('a Kustomization tree expands nested Kustomizations and HelmReleases, each object with its kstatus health', async () => {
  const child = ks('child', 'True', {
    status: inv('apps_web_apps_Deployment', 'apps_db_helm.toolkit.fluxcd.io_HelmRelease'),
  });
  const root = ks('root', 'True', {
    status: inv(
      'apps_child_kustomize.toolkit.fluxcd.io_Kustomization',
      '_apps__Namespace',
      'apps_slow_apps_Deployment',
    ),
  });
  const hr = helmRelease('db');
  const cached = new Map<string, KubeObject>([
    ['Kustomization/apps/child', child],
    ['HelmRelease/apps/db', hr],
  ]);
  const live = new Map<string, KubeObject | null>([
    ['apps/v1/Deployment/apps/web', deployment('web', 2)],
    ['apps/v1/Deployment/apps/slow', deployment('slow', 1)],
    ['v1/Namespace//apps', null],
    ['v1/Service/apps/db', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db', namespace: 'apps' } }],
  ]);
  const asked: ObjectRef[][] = [];
  const tree = await buildInventoryTree(root, {
    cached: (id) => cached.get(`${id.kind}/${id.namespace}/${id.name}`),
    releaseObjects: async (o): Promise<Entry[]> =>
      o.metadata.name === 'db' ? [{ group: '', version: 'v1', kind: 'Service', namespace: 'apps', name: 'db' }] : [],
    live: async (refs) => {
      asked.push(refs);
      return new Map(refs.filter((r) => live.has(refKey(r))).map((r) => [refKey(r), live.get(refKey(r))!]));
    },
  });
  assert.deepEqual(flat(tree.nodes), [
    'Deployment/slow InProgress',
    'Kustomization/child Ready (ready)',
    '  Deployment/web Ready',
    '  HelmRelease/db Ready (ready)',
    '    Service/db Ready',
    'Namespace/apps NotFound',
  ]);
  assert.equal(tree.from, 'inventory');
  assert.deepEqual(tree.errors, []);
  assert.equal(asked.length, 1, 'the objects the engine does not cache are read in one batch');
  assert.equal(asked[0]!.length, 4);
});

test('a HelmRelease without status.inventory shows its release objects; failures become errors, not hangs', async () => {
  const ok = await buildInventoryTree(helmRelease('db'), {
    cached: () => undefined,
    releaseObjects: async () => [{ group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'apps', name: 'db' }],
    live: async () => new Map(),
  });
  assert.equal(ok.from, 'helm-release');
  assert.deepEqual(flat(ok.nodes), ['Deployment/db Unknown']);
  assert.match(ok.errors.join(), /1 object\(s\) could not be read/);

  const failed = await buildInventoryTree(helmRelease('db'), {
    cached: () => undefined,
    releaseObjects: async () => {
      throw new Error('secrets is forbidden');
    },
    live: async () => new Map(),
  });
  assert.deepEqual(failed.nodes, []);
  assert.deepEqual(failed.errors, ['the objects of HelmRelease apps/db could not be read: secrets is forbidden']);

  const noApi = await buildInventoryTree(ks('k', 'True', { status: inv('apps_a_apps_Deployment') }), {
    cached: () => undefined,
    live: async () => {
      throw new Error('the API server did not return the objects within 3 s');
    },
  });
  assert.deepEqual(flat(noApi.nodes), ['Deployment/a Unknown']);
  assert.deepEqual(noApi.errors, [
    'the health of 1 object(s) is unknown: the API server did not return the objects within 3 s',
  ]);
});

test('a HelmRelease with status.inventory (even empty) shows it; its release manifest is not read', async () => {
  const manifestRead: string[] = [];
  const deps = {
    cached: () => undefined,
    releaseObjects: async (o: KubeObject): Promise<Entry[]> => {
      manifestRead.push(o.metadata.name);
      return [{ group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'apps', name: 'old' }];
    },
    live: async (refs: ObjectRef[]) =>
      new Map(refs.map((r) => [refKey(r), r.name === 'db' ? deployment('db', 2) : null] as const)),
  };
  const withInventory = await buildInventoryTree(
    helmRelease(
      'db',
      inv('apps_db_apps_Deployment', '_widgets.example.com_apiextensions.k8s.io_CustomResourceDefinition'),
    ),
    deps,
  );
  assert.equal(withInventory.from, 'inventory');
  assert.deepEqual(flat(withInventory.nodes), [
    'CustomResourceDefinition/widgets.example.com NotFound',
    'Deployment/db Ready',
  ]);
  const empty = await buildInventoryTree(helmRelease('empty', inv()), deps);
  assert.equal(empty.from, 'none');
  assert.deepEqual(empty.nodes, []);
  assert.deepEqual(manifestRead, []);
});

test('the tree stops at the node limit and at a reference loop', async () => {
  const a = ks('a', 'True', {
    status: inv('apps_b_kustomize.toolkit.fluxcd.io_Kustomization', 'apps_x_apps_Deployment', 'apps_y_apps_Deployment'),
  });
  const b = ks('b', 'True', { status: inv('apps_a_kustomize.toolkit.fluxcd.io_Kustomization') });
  const cached = new Map([
    ['a', a],
    ['b', b],
  ]);
  const deps = {
    cached: (id: { kind: string; name: string }) => (id.kind === 'Kustomization' ? cached.get(id.name) : undefined),
    live: async (refs: ObjectRef[]) => new Map(refs.map((r) => [refKey(r), null])),
  };
  // b lists a again: a is shown, not expanded a second time.
  const tree = await buildInventoryTree(a, { ...deps, maxNodes: 4 });
  assert.deepEqual(flat(tree.nodes), [
    'Deployment/x NotFound',
    'Deployment/y NotFound',
    'Kustomization/b Ready (ready)',
    '  Kustomization/a Ready (ready)',
  ]);
  assert.equal(tree.omitted, 0);
  const cut = await buildInventoryTree(a, { ...deps, maxNodes: 2 });
  assert.equal(flat(cut.nodes).length, 2);
  assert.equal(cut.omitted, 1);
  assert.deepEqual(
    await buildInventoryTree(
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } },
      {
        cached: () => undefined,
        live: async () => new Map(),
      },
    ),
    { nodes: [], from: 'none', omitted: 0, errors: [] },
  );
});
