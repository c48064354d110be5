import assert from 'node:assert/strict';
import test from 'node:test';
import { manifestRefs, releaseInventory, type ScopeOf } from './inventory.ts';

const manifest = `---
# Source: app/templates/sa.yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: app
---
# Source: app/templates/role.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: system:app
---
# Source: app/templates/cm.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: other
  namespace: elsewhere
---
# Source: app/templates/hook.yaml
apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  annotations:
    helm.sh/hook: pre-upgrade
---
# Source: app/templates/deploy.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
`;

const crds = `---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
`;

const scopes: Record<string, boolean> = {
  ServiceAccount: true,
  ConfigMap: true,
  Deployment: true,
  Job: true,
  ClusterRole: false,
};
const scopeOf: ScopeOf = (_apiVersion, kind) => scopes[kind];

test('releaseInventory: manifest order, hooks left out, namespaces completed, then the CRDs', () => {
  const { entries, warnings } = releaseInventory({ manifest, crds, namespace: 'apps', scopeOf });
  assert.deepEqual(
    releaseInventory({ manifest: manifestRefs(manifest), crds, namespace: 'apps', scopeOf }),
    { entries, warnings },
    'objects already parsed give the same inventory as the text',
  );
  assert.deepEqual(entries, [
    { id: 'apps_app__ServiceAccount', v: 'v1' },
    { id: '_system__app_rbac.authorization.k8s.io_ClusterRole', v: 'v1' },
    { id: 'elsewhere_other__ConfigMap', v: 'v1' },
    { id: 'apps_app_apps_Deployment', v: 'v1' },
    { id: '_widgets.example.com_apiextensions.k8s.io_CustomResourceDefinition', v: 'v1' },
  ]);
  assert.deepEqual(warnings, []);
});

test('releaseInventory: a kind the cluster does not know keeps its namespace as written, with one warning', () => {
  const two = `apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: a\n---\napiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: b\n`;
  const { entries, warnings } = releaseInventory({ manifest: two, crds: '', namespace: 'apps', scopeOf });
  assert.deepEqual(
    entries.map((e) => e.id),
    ['_a_example.com_Widget', '_b_example.com_Widget'],
  );
  assert.deepEqual(warnings, ['failed to determine if Widget is namespace scoped, skipping namespace']);
});

test('releaseInventory: an empty release has an empty inventory; a manifest that is not YAML throws', () => {
  assert.deepEqual(releaseInventory({ manifest: '', crds: '', namespace: 'apps', scopeOf }).entries, []);
  assert.throws(
    () => releaseInventory({ manifest: 'kind: [unclosed', crds: '', namespace: 'apps', scopeOf }),
    /failed to parse manifest/,
  );
  assert.throws(() => releaseInventory({ manifest, crds: 'a: [', namespace: 'apps', scopeOf }), /failed to parse CRDs/);
});

test('manifestRefs: lists expanded, nameless documents and kustomize Kustomizations dropped', () => {
  const yaml = `apiVersion: v1
kind: ConfigMapList
items:
  - apiVersion: v1
    kind: ConfigMap
    metadata: {name: one}
---
apiVersion: v1
kind: ConfigMap
metadata: {}
---
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
metadata: {name: k}
---
# only a comment
`;
  assert.deepEqual(manifestRefs(yaml), [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'one', hook: false }]);
});
