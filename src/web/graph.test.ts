import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../kube/types.ts';
import { buildGraph, sourceRefOf } from './graph.ts';
import { RevisionTimeline } from './timeline.ts';
import { ks } from './test-support.ts';

const obj = (kind: string, name: string, spec: object, status: object = {}): KubeObject => ({
  apiVersion: 'x/v1',
  kind,
  metadata: { name, namespace: 'apps' },
  spec,
  status,
});

test('source references resolve as flux reconcile --with-source does (a HelmRelease chart is its HelmChart)', () => {
  assert.deepEqual(sourceRefOf(ks('a', 'True')), { kind: 'GitRepository', name: 'repo', namespace: 'apps' });
  assert.deepEqual(
    sourceRefOf(
      obj('HelmRelease', 'web', {
        chart: { spec: { sourceRef: { kind: 'HelmRepository', name: 'r', namespace: 'flux' } } },
      }),
    ),
    { kind: 'HelmChart', name: 'apps-web', namespace: 'flux' },
  );
  assert.deepEqual(
    sourceRefOf(obj('HelmChart', 'c', { sourceRef: { kind: 'HelmRepository', name: 'r', namespace: 'x' } })),
    {
      kind: 'HelmRepository',
      name: 'r',
      namespace: 'apps',
    },
  );
  assert.deepEqual(sourceRefOf(obj('ImagePolicy', 'p', { imageRepositoryRef: { name: 'img' } })), {
    kind: 'ImageRepository',
    name: 'img',
    namespace: 'apps',
  });
  assert.equal(sourceRefOf(obj('Alert', 'a', {})), undefined);
});

test('the graph has an edge per source reference and dependsOn, lone objects left out, missing ones marked', () => {
  const repo = obj('GitRepository', 'repo', {}, { conditions: [{ type: 'Ready', status: 'True' }] });
  const lone = obj('GitRepository', 'lone', {});
  const app = ks('app', 'True');
  const after = {
    ...ks('after', 'False'),
    spec: { sourceRef: { kind: 'GitRepository', name: 'repo' }, dependsOn: [{ name: 'app' }, { name: 'gone' }] },
  };
  const all = [repo, lone, app, after];
  const find = (r: { kind: string; namespace: string; name: string }) =>
    all.find((o) => o.kind === r.kind && o.metadata.name === r.name);
  const g = buildGraph(all, find);
  assert.deepEqual(
    g.edges.map((e) => `${e.from} ${e.type} ${e.to}`),
    [
      'Kustomization/apps/app source GitRepository/apps/repo',
      'Kustomization/apps/after dependsOn Kustomization/apps/app',
      'Kustomization/apps/after dependsOn Kustomization/apps/gone',
      'Kustomization/apps/after source GitRepository/apps/repo',
    ],
  );
  assert.deepEqual(
    g.nodes.map((n) => `${n.id} ${n.status}${n.missing ? ' missing' : ''}`),
    [
      'GitRepository/apps/repo ready',
      'Kustomization/apps/after failing',
      'Kustomization/apps/app ready',
      'Kustomization/apps/gone unknown missing',
    ],
  );
  assert.equal(buildGraph(all, find, { namespace: 'other' }).nodes.length, 0);
});

test('the timeline joins the source artifact (commit, fetch) with the engine events (applied, healthy) per revision', () => {
  const tl = new RevisionTimeline();
  const rev = 'main@sha1:abc';
  const repo = obj(
    'GitRepository',
    'repo',
    {},
    {
      artifact: {
        revision: rev,
        lastUpdateTime: '2026-01-01T00:00:05Z',
        metadata: { 'driftless.dev/commit-time': '2026-01-01T00:00:00Z' },
      },
    },
  );
  tl.observeSource(repo);
  const ev = (reason: string, timestamp: string) => ({
    type: 'Normal' as const,
    reason,
    message: '',
    timestamp,
    involvedObject: { kind: 'Kustomization', namespace: 'apps', name: 'app' },
    revision: rev,
  });
  tl.observeEvent(ev('Progressing', '2026-01-01T00:00:07Z'));
  tl.observeEvent(ev('ReconciliationSucceeded', '2026-01-01T00:00:09Z'));
  tl.observeEvent(ev('ReconciliationSucceeded', '2026-01-01T00:10:09Z'));
  const app = ks('app', 'True', {
    status: {
      history: [
        {
          digest: 'd2',
          firstReconciled: '2026-01-01T00:00:08Z',
          lastReconciledStatus: 'ReconciliationSucceeded',
          metadata: { revision: rev },
        },
        {
          digest: 'd1',
          firstReconciled: '2025-12-31T00:00:00Z',
          lastReconciledStatus: 'HealthCheckFailed',
          metadata: { revision: 'main@sha1:old' },
        },
      ],
    },
  });
  const next = { ...repo, status: { artifact: { revision: 'main@sha1:new', lastUpdateTime: '2026-01-02T00:00:00Z' } } };
  assert.deepEqual(tl.rows(app, next), [
    { revision: 'main@sha1:new', fetchedAt: '2026-01-02T00:00:00Z' },
    {
      revision: rev,
      committedAt: '2026-01-01T00:00:00.000Z',
      fetchedAt: '2026-01-01T00:00:05Z',
      appliedAt: '2026-01-01T00:00:07Z',
      healthyAt: '2026-01-01T00:00:09Z',
      result: 'ReconciliationSucceeded',
    },
    { revision: 'main@sha1:old', appliedAt: '2025-12-31T00:00:00Z', result: 'HealthCheckFailed' },
  ]);
});
