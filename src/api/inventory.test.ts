import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInventoryIdError } from './errors.ts';
import { inventoryId, parseInventoryId } from './inventory.ts';

void test('inventoryId matches the ids Flux stores', () => {
  assert.equal(
    inventoryId({ namespace: 'default', name: 'podinfo', group: 'apps', kind: 'Deployment' }),
    'default_podinfo_apps_Deployment',
  );
  assert.equal(
    inventoryId({ namespace: 'default', name: 'podinfo', group: '', kind: 'Service' }),
    'default_podinfo__Service',
  );
  assert.equal(inventoryId({ name: 'apps', kind: 'Namespace' }), '_apps__Namespace');
  assert.equal(
    inventoryId({ name: 'podinfos.example.com', group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' }),
    '_podinfos.example.com_apiextensions.k8s.io_CustomResourceDefinition',
  );
});

void test('colons in RBAC names are encoded as double underscores', () => {
  const id = inventoryId({ name: 'system:controller:foo', group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' });
  assert.equal(id, '_system__controller__foo_rbac.authorization.k8s.io_ClusterRole');
  const ns = inventoryId({
    namespace: 'kube-system',
    name: 'kubeadm:nodes-kubeadm-config',
    group: 'rbac.authorization.k8s.io',
    kind: 'Role',
  });
  assert.equal(ns, 'kube-system_kubeadm__nodes-kubeadm-config_rbac.authorization.k8s.io_Role');
});

void test('colons outside RBAC kinds are written as they are, as cli-utils does', () => {
  assert.equal(
    inventoryId({ namespace: 'apps', name: 'a:b', group: 'example.com', kind: 'Widget' }),
    'apps_a:b_example.com_Widget',
  );
  // Same group, kind outside RBAC's four: no transcoding either.
  assert.equal(
    inventoryId({ name: 'x:y', group: 'rbac.authorization.k8s.io', kind: 'Other' }),
    '_x:y_rbac.authorization.k8s.io_Other',
  );
});

void test('system:controller:foo-style names round-trip through every RBAC kind', () => {
  for (const kind of ['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']) {
    const ref = {
      namespace: kind.startsWith('Cluster') ? '' : 'kube-system',
      name: 'system:controller:foo',
      group: 'rbac.authorization.k8s.io',
      kind,
    };
    const id = inventoryId(ref);
    assert.ok(id.includes('_system__controller__foo_'), id);
    assert.deepEqual(parseInventoryId(id), ref);
  }
});

void test('parseInventoryId inverts inventoryId', () => {
  const cases = [
    { namespace: 'default', name: 'podinfo', group: 'apps', kind: 'Deployment' },
    { namespace: 'default', name: 'podinfo', group: '', kind: 'Service' },
    { namespace: '', name: 'apps', group: '', kind: 'Namespace' },
    { namespace: '', name: 'system:auth-delegator', group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding' },
    { namespace: 'flux-system', name: 'a:b:c', group: 'rbac.authorization.k8s.io', kind: 'RoleBinding' },
    { namespace: 'apps', name: 'my.dotted.name', group: 'example.com', kind: 'Widget' },
  ];
  for (const ref of cases) assert.deepEqual(parseInventoryId(inventoryId(ref)), ref);
});

void test('parseInventoryId decodes Flux ids, including cluster-scoped ones', () => {
  assert.deepEqual(parseInventoryId('_admin_rbac.authorization.k8s.io_ClusterRole'), {
    namespace: '',
    name: 'admin',
    group: 'rbac.authorization.k8s.io',
    kind: 'ClusterRole',
  });
});

void test('parseInventoryId rejects malformed ids', () => {
  for (const bad of [
    '',
    'default',
    'default_podinfo',
    'default_pod_info_x_apps_Deployment',
    '__apps_Deployment',
    'ns_name_group_',
  ]) {
    assert.throws(
      () => parseInventoryId(bad),
      InvalidInventoryIdError,
      `expected ${JSON.stringify(bad)} to be rejected`,
    );
  }
});
