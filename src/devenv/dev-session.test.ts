import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gitSourcedHelmReleases } from './dev-session.ts';

void test('only HelmReleases charted from the GitRepository flux-system/flux-system are found', () => {
  const files = {
    'helm/hello.yaml': [
      'apiVersion: helm.toolkit.fluxcd.io/v2',
      'kind: HelmRelease',
      'metadata: {name: hello, namespace: demo}',
      'spec: {chart: {spec: {chart: ./charts/hello, sourceRef: {kind: GitRepository, name: flux-system, namespace: flux-system}}}}',
      '---',
      'apiVersion: helm.toolkit.fluxcd.io/v2',
      'kind: HelmRelease',
      'metadata: {name: podinfo, namespace: demo}',
      'spec: {chart: {spec: {chart: podinfo, sourceRef: {kind: HelmRepository, name: podinfo}}}}',
    ].join('\n'),
    'other/git.yaml':
      'kind: HelmRelease\nmetadata: {name: elsewhere, namespace: demo}\nspec: {chart: {spec: {sourceRef: {kind: GitRepository, name: other}}}}\n',
    'charts/hello/Chart.yaml': 'name: hello\n',
    'README.md': 'kind: HelmRelease\n',
  };
  assert.deepEqual(gitSourcedHelmReleases(files), [{ name: 'hello', namespace: 'demo' }]);
});
