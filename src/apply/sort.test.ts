import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sortForApply, sortForDeletion, splitStages, Stage, stageOf } from './sort.ts';

const ref = (apiVersion: string, kind: string, name: string, namespace?: string) =>
  namespace ? { apiVersion, kind, name, namespace } : { apiVersion, kind, name };

void test('stageOf puts CRDs, Namespaces and ClusterRoles first, then Class kinds, then the rest', () => {
  assert.equal(stageOf(ref('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'a.b.c')), Stage.ClusterDefinitions);
  assert.equal(stageOf(ref('v1', 'Namespace', 'x')), Stage.ClusterDefinitions);
  assert.equal(stageOf(ref('rbac.authorization.k8s.io/v1', 'ClusterRole', 'r')), Stage.ClusterDefinitions);
  assert.equal(stageOf(ref('storage.k8s.io/v1', 'StorageClass', 's')), Stage.ClassDefinitions);
  assert.equal(stageOf(ref('gateway.networking.k8s.io/v1', 'GatewayClass', 'g')), Stage.ClassDefinitions);
  assert.equal(stageOf(ref('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', 'b')), Stage.Resources);
  // A kind named like a built-in but from another group is not a cluster definition.
  assert.equal(stageOf(ref('example.com/v1', 'Namespace', 'x')), Stage.Resources);
  assert.equal(stageOf(ref('example.com/v1', 'Widget', 'w', 'ns')), Stage.Resources);
});

void test('splitStages sorts by Flux kind order, then namespace and name', () => {
  const input = [
    ref('admissionregistration.k8s.io/v1', 'ValidatingWebhookConfiguration', 'hook'),
    ref('example.com/v1', 'Widget', 'w', 'apps'),
    ref('apps/v1', 'Deployment', 'web', 'b'),
    ref('apps/v1', 'Deployment', 'api', 'b'),
    ref('apps/v1', 'Deployment', 'zzz', 'a'),
    ref('v1', 'Service', 'web', 'b'),
    ref('v1', 'ConfigMap', 'cfg', 'b'),
    ref('v1', 'ServiceAccount', 'sa', 'b'),
    ref('storage.k8s.io/v1', 'StorageClass', 'fast'),
    ref('v1', 'Namespace', 'b'),
    ref('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'widgets.example.com'),
    ref('rbac.authorization.k8s.io/v1', 'ClusterRole', 'reader'),
    ref('v1', 'Namespace', 'a'),
  ];
  const stages = splitStages(input);
  assert.deepEqual(
    stages.map((s) => [s.stage, s.objects.map((o) => `${o.kind}/${o.namespace ?? ''}/${o.name}`)]),
    [
      [
        Stage.ClusterDefinitions,
        ['CustomResourceDefinition//widgets.example.com', 'Namespace//a', 'Namespace//b', 'ClusterRole//reader'],
      ],
      [Stage.ClassDefinitions, ['StorageClass//fast']],
      [
        Stage.Resources,
        [
          'ServiceAccount/b/sa',
          'ConfigMap/b/cfg',
          'Service/b/web',
          'Deployment/a/zzz',
          'Deployment/b/api',
          'Deployment/b/web',
          'Widget/apps/w',
          'ValidatingWebhookConfiguration//hook',
        ],
      ],
    ],
  );
  assert.equal(input[0]?.kind, 'ValidatingWebhookConfiguration', 'input is not reordered');
  const forDelete = sortForDeletion(input).map((o) => o.kind);
  assert.equal(forDelete[0], 'ValidatingWebhookConfiguration');
  assert.equal(forDelete.at(-1), 'CustomResourceDefinition');
  assert.deepEqual(
    sortForApply(input),
    stages.flatMap((s) => s.objects),
  );
});

void test('splitStages accepts full objects and omits empty stages', () => {
  const stages = splitStages([
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b', namespace: 'x' } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'x' } },
  ]);
  assert.equal(stages.length, 1);
  assert.deepEqual(
    stages[0]?.objects.map((o) => o.metadata.name),
    ['a', 'b'],
  );
});
