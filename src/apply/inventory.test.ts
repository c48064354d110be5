import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInventoryIdError } from '../api/errors.ts';
import { diffInventory, entryToRef, inventoryOf, objectToEntry, sortEntries } from './inventory.ts';

void test('objectToEntry uses the Flux/cli-utils id format', () => {
  assert.deepEqual(
    objectToEntry({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo', namespace: 'default' }),
    {
      id: 'default_podinfo_apps_Deployment',
      v: 'v1',
    },
  );
  assert.deepEqual(
    objectToEntry({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'podinfo', namespace: 'default' } }),
    {
      id: 'default_podinfo__Service',
      v: 'v1',
    },
  );
  assert.deepEqual(objectToEntry({ apiVersion: 'v1', kind: 'Namespace', name: 'apps' }), {
    id: '_apps__Namespace',
    v: 'v1',
  });
  assert.deepEqual(
    objectToEntry({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: 'system:controller:foo' }),
    { id: '_system__controller__foo_rbac.authorization.k8s.io_ClusterRole', v: 'v1' },
  );
});

void test('entryToRef inverts objectToEntry, including colons and cluster scope', () => {
  const refs = [
    { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo', namespace: 'default' },
    { apiVersion: 'v1', kind: 'ConfigMap', name: 'cm.with.dots', namespace: 'ns-1' },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', name: 'system:a:b' },
    { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: 'widgets.example.com' },
  ];
  for (const ref of refs) assert.deepEqual(entryToRef(objectToEntry(ref)), ref);
});

void test('entryToRef rejects malformed ids with the id in the message', () => {
  assert.throws(() => entryToRef({ id: 'nonsense', v: 'v1' }), /invalid inventory id "nonsense"/);
  assert.throws(() => entryToRef({ id: 'a_b', v: 'v1' }), /invalid inventory id "a_b"/);
  assert.throws(() => entryToRef({ id: 'default_x_apps_Deployment', v: '' }), /empty version/);
  assert.throws(() => entryToRef({ id: 'default__apps_Deployment', v: 'v1' }), InvalidInventoryIdError);
  assert.throws(() => entryToRef({ id: 'default_a_b_apps_Deployment', v: 'v1' }), /too many fields/);
});

void test('colons are transcoded only in RBAC names, as cli-utils ObjMetadata.String() does', () => {
  const role = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    name: 'kubeadm:nodes',
    namespace: 'kube-system',
  };
  assert.equal(objectToEntry(role).id, 'kube-system_kubeadm__nodes_rbac.authorization.k8s.io_Role');
  // Other kinds cannot hold ':' in a DNS name; were one to, Flux writes it as is and so do we.
  const widget = { apiVersion: 'example.com/v1', kind: 'Widget', name: 'a:b', namespace: 'apps' };
  assert.equal(objectToEntry(widget).id, 'apps_a:b_example.com_Widget');
  assert.deepEqual(entryToRef(objectToEntry(widget)), widget);
  // Flux decodes `__` in any name when reading an inventory back.
  assert.deepEqual(entryToRef({ id: '_system__controller__foo_rbac.authorization.k8s.io_ClusterRole', v: 'v1' }), {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    name: 'system:controller:foo',
  });
});

void test('diffInventory returns entries missing from the new inventory, by id only', () => {
  const old = [
    { id: 'default_b__ConfigMap', v: 'v1' },
    { id: 'default_a_apps_Deployment', v: 'v1' },
    { id: '_ns__Namespace', v: 'v1' },
  ];
  const next = [
    { id: 'default_a_apps_Deployment', v: 'v2' },
    { id: 'default_c__Secret', v: 'v1' },
  ];
  assert.deepEqual(diffInventory(old, next), [
    { id: '_ns__Namespace', v: 'v1' },
    { id: 'default_b__ConfigMap', v: 'v1' },
  ]);
  assert.deepEqual(diffInventory(next, next), []);
});

void test('sortEntries and inventoryOf sort by id and drop duplicates', () => {
  assert.deepEqual(
    sortEntries([
      { id: 'b', v: 'v1' },
      { id: 'a', v: 'v1' },
      { id: 'b', v: 'v2' },
    ]),
    [
      { id: 'a', v: 'v1' },
      { id: 'b', v: 'v2' },
    ],
  );
  assert.deepEqual(
    inventoryOf([
      { apiVersion: 'v1', kind: 'Secret', name: 's', namespace: 'x' },
      { apiVersion: 'v1', kind: 'Namespace', name: 'x' },
    ]).map((e) => e.id),
    ['_x__Namespace', 'x_s__Secret'],
  );
});
