import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_API_VERSIONS, planResources, resolveResources, type ResourceQuery } from './resolve-resources.ts';

test('named resources get the receiver namespace and the GA apiVersion of their kind', () => {
  const plan = planResources({
    namespace: 'flux-system',
    resources: [
      { kind: 'GitRepository', name: 'app' },
      { kind: 'Kustomization', name: 'apps', namespace: 'team-a' },
      { apiVersion: 'source.toolkit.fluxcd.io/v1beta2', kind: 'OCIRepository', name: 'oci' },
    ],
  });
  assert.deepEqual(plan.direct, [
    { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository', name: 'app', namespace: 'flux-system' },
    { apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', name: 'apps', namespace: 'team-a' },
    { apiVersion: 'source.toolkit.fluxcd.io/v1beta2', kind: 'OCIRepository', name: 'oci', namespace: 'flux-system' },
  ]);
  assert.deepEqual(plan.errors, []);
  assert.equal(DEFAULT_API_VERSIONS['HelmRelease'], 'helm.toolkit.fluxcd.io/v2');
  assert.equal(DEFAULT_API_VERSIONS['ImageRepository'], 'image.toolkit.fluxcd.io/v1');
});

test('invalid entries are reported by index without stopping the others', () => {
  const plan = planResources({
    namespace: 'ns',
    noCrossNamespaceRefs: true,
    resources: [
      { kind: 'ConfigMap', name: 'x' },
      { kind: 'GitRepository', name: '*' },
      { kind: 'GitRepository', name: 'other', namespace: 'elsewhere' },
      { kind: 'GitRepository', name: 'ok' },
    ],
  });
  assert.deepEqual(
    plan.errors.map((e) => e.field),
    ['spec.resources[0]', 'spec.resources[1]', 'spec.resources[2]'],
  );
  assert.match(plan.errors[0]!.message, /apiVersion must be set for kind "ConfigMap"/);
  assert.match(plan.errors[1]!.message, /matchLabels must be set/);
  assert.match(plan.errors[2]!.message, /cross-namespace/);
  assert.equal(plan.errors[0]!.reason, 'ValidationFailed');
  assert.deepEqual(
    plan.direct.map((d) => d.name),
    ['ok'],
  );
});

test('name "*" lists by matchLabels; results are de-duplicated and listing failures are collected', async () => {
  const queries: ResourceQuery[] = [];
  const { targets, errors } = await resolveResources({
    namespace: 'apps',
    resources: [
      { kind: 'Kustomization', name: '*', matchLabels: { team: 'a' } },
      { kind: 'Kustomization', name: 'one' },
      { kind: 'HelmRelease', name: '*', matchLabels: { team: 'a' } },
    ],
    listNames: async (q) => {
      queries.push(q);
      if (q.kind === 'HelmRelease') throw new Error('forbidden');
      return ['one', 'two'];
    },
  });
  assert.deepEqual(queries[0], {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    namespace: 'apps',
    matchLabels: { team: 'a' },
  });
  assert.deepEqual(
    targets.map((t) => `${t.kind}/${t.name}`),
    ['Kustomization/one', 'Kustomization/two'],
  );
  assert.equal(errors.length, 1);
  assert.match(errors[0]!.message, /HelmRelease.*forbidden/);
});
