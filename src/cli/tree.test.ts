import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inventoryTree, renderTree, type InventoryHolder } from './tree.ts';

const ks = (name: string, ids: string[], extra: Partial<InventoryHolder> = {}): InventoryHolder => ({
  apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
  kind: 'Kustomization',
  metadata: { name, namespace: 'flux-system' },
  status: { inventory: { entries: ids.map((id) => ({ id, v: 'v1' })) } },
  ...extra,
});
const ksId = (name: string): string => `flux-system_${name}_kustomize.toolkit.fluxcd.io_Kustomization`;

void test('nested Kustomizations are expanded and the tree is drawn like flux tree', async () => {
  const store = new Map([
    [
      'infrastructure',
      ks('infrastructure', [
        '_cert-manager__Namespace',
        'cert-manager_cert-manager_source.toolkit.fluxcd.io_HelmRepository',
      ]),
    ],
  ]);
  const root = ks('flux-system', [
    '_flux-system__Namespace',
    'flux-system_helm-controller_apps_Deployment',
    ksId('infrastructure'),
    ksId('flux-system'),
    'flux-system_flux-system_source.toolkit.fluxcd.io_GitRepository',
  ]);
  const tree = await inventoryTree(root, { read: async (id) => store.get(id.name) });
  assert.equal(
    renderTree(tree),
    [
      'Kustomization/flux-system/flux-system',
      '├── Namespace/flux-system',
      '├── Deployment/flux-system/helm-controller',
      '├── Kustomization/flux-system/infrastructure',
      '│   ├── Namespace/cert-manager',
      '│   └── HelmRepository/cert-manager/cert-manager',
      '└── GitRepository/flux-system/flux-system',
      '',
    ].join('\n'),
  );
});

void test('compact keeps Flux objects only; a cycle or a missing child does not loop or fail', async () => {
  const store = new Map([
    ['a', ks('a', [ksId('b'), 'flux-system_x__ConfigMap'])],
    ['b', ks('b', [ksId('a')])],
  ]);
  const tree = await inventoryTree(ks('root', [ksId('a'), ksId('gone'), 'flux-system_y__ConfigMap']), {
    compact: true,
    read: async (id) => store.get(id.name),
  });
  assert.equal(
    renderTree(tree),
    [
      'Kustomization/flux-system/root',
      '├── Kustomization/flux-system/a',
      '│   └── Kustomization/flux-system/b',
      '│       └── Kustomization/flux-system/a',
      '└── Kustomization/flux-system/gone',
      '',
    ].join('\n'),
  );
});

void test('a Kustomization applying to a remote cluster is not expanded, and an empty inventory is a lone root', async () => {
  let reads = 0;
  const remote = ks('remote', [ksId('child')], { spec: { kubeConfig: { secretRef: { name: 'kc' } } } });
  const tree = await inventoryTree(remote, { read: async () => (reads++, ks('child', ['_x__Namespace'])) });
  assert.equal(reads, 0);
  assert.equal(tree.resources.length, 1);
  assert.equal(
    renderTree(await inventoryTree(ks('empty', []), { read: async () => undefined })),
    'Kustomization/flux-system/empty\n',
  );
});

void test('a HelmRelease in the inventory is expanded with its release objects, and one can be the root', async () => {
  const hr = (name: string, ids: string[]): InventoryHolder => ({
    apiVersion: 'helm.toolkit.fluxcd.io/v2',
    kind: 'HelmRelease',
    metadata: { name, namespace: 'apps' },
    status: { inventory: { entries: ids.map((id) => ({ id, v: 'v1' })) } },
  });
  const web = hr('web', ['apps_web-config__ConfigMap', 'apps_web_apps_Deployment']);
  const read = async (id: { kind: string; name: string }) => (id.kind === 'HelmRelease' ? web : undefined);
  const root = ks('apps', [
    'apps_web_helm.toolkit.fluxcd.io_HelmRelease',
    'apps_web_source.toolkit.fluxcd.io_HelmRepository',
  ]);
  assert.equal(
    renderTree(await inventoryTree(root, { read })),
    [
      'Kustomization/flux-system/apps',
      '├── HelmRelease/apps/web',
      '│   ├── ConfigMap/apps/web-config',
      '│   └── Deployment/apps/web',
      '└── HelmRepository/apps/web',
      '',
    ].join('\n'),
  );
  assert.equal(
    renderTree(await inventoryTree(web, { read })),
    ['HelmRelease/apps/web', '├── ConfigMap/apps/web-config', '└── Deployment/apps/web', ''].join('\n'),
  );
});
