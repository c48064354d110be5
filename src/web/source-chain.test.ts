import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../kube/types.ts';
import type { NodeRef } from './graph.ts';
import { sourceChain } from './source-chain.ts';
import { ks } from './test-support.ts';

const source = (kind: string, name: string, spec: object, revision: string, ready = 'True'): KubeObject => ({
  apiVersion: 'source.toolkit.fluxcd.io/v1',
  kind,
  metadata: { name, namespace: 'apps', generation: 1 },
  spec,
  status: {
    observedGeneration: 1,
    artifact: { revision },
    conditions: [{ type: 'Ready', status: ready, reason: 'Succeeded', message: `stored artifact for ${revision}` }],
  },
});

const finder =
  (...objs: KubeObject[]) =>
  (r: NodeRef): KubeObject | undefined =>
    objs.find((o) => o.kind === r.kind && o.metadata.name === r.name && o.metadata.namespace === r.namespace);

test('a Kustomization has one link: its GitRepository with revision, status and a URL without credentials', () => {
  const repo = source('GitRepository', 'repo', { url: 'https://user:secret@git.example/org/app' }, 'main@sha1:abc');
  const chain = sourceChain(ks('app', 'True'), finder(repo));
  assert.deepEqual(chain, [
    {
      kind: 'GitRepository',
      namespace: 'apps',
      name: 'repo',
      status: 'ready',
      revision: 'main@sha1:abc',
      message: 'stored artifact for main@sha1:abc',
      url: 'https://git.example/org/app',
    },
  ]);
});

test('a HelmRelease goes through its HelmChart to the HelmRepository; a missing link ends the chain', () => {
  const hr: KubeObject = {
    apiVersion: 'helm.toolkit.fluxcd.io/v2',
    kind: 'HelmRelease',
    metadata: { name: 'web', namespace: 'apps' },
    spec: { chart: { spec: { chart: 'podinfo', sourceRef: { kind: 'HelmRepository', name: 'charts' } } } },
  };
  const chart = source('HelmChart', 'apps-web', { sourceRef: { kind: 'HelmRepository', name: 'charts' } }, '6.5.0');
  const repo = source('HelmRepository', 'charts', { url: 'oci://registry.example/charts' }, 'sha256:1', 'False');
  assert.deepEqual(
    sourceChain(hr, finder(chart, repo)).map((l) => [l.kind, l.name, l.revision, l.status, l.url ?? '']),
    [
      ['HelmChart', 'apps-web', '6.5.0', 'ready', ''],
      ['HelmRepository', 'charts', 'sha256:1', 'failing', 'oci://registry.example/charts'],
    ],
  );
  assert.deepEqual(
    sourceChain(hr, finder()).map((l) => [l.kind, l.name, l.missing]),
    [['HelmChart', 'apps-web', true]],
  );
  assert.deepEqual(sourceChain(repo, finder()), []);
});
