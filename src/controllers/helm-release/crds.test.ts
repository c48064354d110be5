import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HelmRelease } from '../../api/helm-release.ts';
import { chartCrds, crdPolicyOf } from './crds.ts';

const hr = (spec: Partial<HelmRelease['spec']> = {}): HelmRelease => ({
  apiVersion: 'helm.toolkit.fluxcd.io/v2',
  kind: 'HelmRelease',
  metadata: { name: 'web', namespace: 'apps' },
  spec: { interval: '5m', chartRef: { kind: 'HelmChart', name: 'web' }, ...spec },
});

void test("CRD policy: spec.<action>.crds, else Create for both actions (helm-controller's crdPolicyOrDefault)", () => {
  assert.equal(crdPolicyOf(hr(), 'install'), 'Create');
  assert.equal(crdPolicyOf(hr(), 'upgrade'), 'Create');
  assert.equal(
    crdPolicyOf(hr({ install: { crds: 'CreateReplace' }, upgrade: { crds: 'Skip' } }), 'install'),
    'CreateReplace',
  );
  assert.equal(crdPolicyOf(hr({ install: { crds: 'CreateReplace' }, upgrade: { crds: 'Skip' } }), 'upgrade'), 'Skip');
  // The deprecated install.skipCRDs is not read by helm-controller.
  assert.equal(crdPolicyOf(hr({ install: { skipCRDs: true } }), 'install'), 'Create');
});

void test('chart CRDs: only CustomResourceDefinitions, with the origin labels; empty documents skipped', () => {
  const yaml = [
    '# a comment only',
    '---',
    'apiVersion: apiextensions.k8s.io/v1',
    'kind: CustomResourceDefinition',
    'metadata:',
    '  name: widgets.example.com',
    '  labels: { team: a }',
    'spec: { group: example.com }',
    '---',
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata: { name: misplaced }',
    '',
  ].join('\n');
  assert.deepEqual(chartCrds(yaml, hr()), [
    {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: {
        name: 'widgets.example.com',
        labels: { team: 'a', 'helm.toolkit.fluxcd.io/name': 'web', 'helm.toolkit.fluxcd.io/namespace': 'apps' },
      },
      spec: { group: 'example.com' },
    },
  ]);
  assert.throws(() => chartCrds('kind: [', hr()), /^Error: failed to parse CustomResourceDefinitions/);
});
