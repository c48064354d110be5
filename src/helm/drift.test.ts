import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeClient } from '../kube/client.ts';
import type { KubeObject } from '../kube/types.ts';
import {
  applyDiff,
  compileDriftIgnore,
  diffRelease,
  driftPatch,
  hasChanges,
  summarizeDiffSet,
  summarizeDiffSetBrief,
} from './drift.ts';

const cm = (data: Record<string, string>, meta: Partial<KubeObject['metadata']> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'web', namespace: 'apps', ...meta },
  data,
});

void test('driftPatch: labels and annotations added or changed (never removed), the rest as RFC 6902 ops', () => {
  const live = cm({ a: '1', b: 'edited', extra: 'x' }, { labels: { mine: 'y', app: 'old' }, resourceVersion: '7' });
  const want = cm({ a: '1', b: 'orig', c: '3' }, { labels: { app: 'web' }, resourceVersion: '7' });
  assert.deepEqual(driftPatch(live, want), [
    { op: 'replace', path: '/metadata/labels/app', value: 'web' },
    { op: 'replace', path: '/data/b', value: 'orig' },
    { op: 'add', path: '/data/c', value: '3' },
    { op: 'remove', path: '/data/extra' },
  ]);
  // Ignored pointers are left out on both sides.
  assert.deepEqual(
    driftPatch(live, want, ['/data/b', '/data/extra', '/data/c', '/metadata/labels']).map((o) => o.path),
    [],
  );
  assert.deepEqual(driftPatch(want, want), []);
});

/** A cluster of one namespace kept in a map: get, server-side dry-run apply (a plain merge), create, patch. */
function fakeCluster(objects: KubeObject[]) {
  const key = (o: { kind: string; name: string; namespace?: string | undefined }) =>
    `${o.kind}/${o.namespace}/${o.name}`;
  const store = new Map(objects.map((o) => [key({ ...o, ...o.metadata }), structuredClone(o)]));
  const calls: string[] = [];
  const client = {
    get: (r: { kind: string; name: string; namespace?: string }) => Promise.resolve(store.get(key(r))),
    apply: (o: KubeObject) => {
      const live = store.get(key({ ...o, ...o.metadata }));
      if (!live) return Promise.resolve({ ...o, metadata: { ...o.metadata } });
      return Promise.resolve({ ...live, ...o, metadata: { ...live.metadata, ...o.metadata } });
    },
    create: (o: KubeObject) => {
      calls.push(`create ${o.metadata.name}`);
      store.set(key({ ...o, ...o.metadata }), o);
      return Promise.resolve(o);
    },
    patch: (r: { name: string }, ops: unknown) => {
      calls.push(`patch ${r.name} ${JSON.stringify(ops)}`);
      return Promise.resolve({});
    },
  } as unknown as KubeClient;
  return { client, calls };
}

void test('diffRelease: missing objects, changed objects, exclusions by label, annotation and the pointer ""', async () => {
  const live = [
    cm({ v: 'edited' }, { resourceVersion: '1' }),
    cm(
      { v: 'edited' },
      { name: 'skip', resourceVersion: '1', annotations: { 'helm.toolkit.fluxcd.io/driftDetection': 'disabled' } },
    ),
    cm({ v: 'edited' }, { name: 'ignored', resourceVersion: '1' }),
    cm({ v: 'edited', w: 'x' }, { name: 'partly', resourceVersion: '1' }),
  ];
  const { client, calls } = fakeCluster(live);
  const desired = [
    cm({ v: 'orig' }),
    cm({ v: 'orig' }, { name: 'gone' }),
    cm({ v: 'orig' }, { name: 'skip' }),
    cm({ v: 'orig' }, { name: 'ignored' }),
    cm({ v: 'orig', w: 'x' }, { name: 'partly' }),
  ];
  const ignore = compileDriftIgnore([
    { paths: [''], target: { name: 'ignored' } },
    { paths: ['/data/v'], target: { name: 'partly' } },
  ]);
  const { set, errors } = await diffRelease({ client, objects: desired, fieldManager: 'helm-controller', ignore });
  assert.deepEqual(errors, []);
  assert.deepEqual(
    set.map((d) => [d.desired.metadata.name, d.type]),
    [
      ['web', 'update'],
      ['gone', 'create'],
      ['skip', 'exclude'],
      ['ignored', 'exclude'],
      ['partly', 'none'],
    ],
  );
  assert.ok(hasChanges(set));
  assert.equal(
    summarizeDiffSet(set),
    [
      'ConfigMap/apps/web changed (0 additions, 1 changes, 0 removals)',
      'ConfigMap/apps/gone removed',
      'ConfigMap/apps/skip excluded',
      'ConfigMap/apps/ignored excluded',
    ].join('\n'),
  );
  assert.equal(summarizeDiffSetBrief(set), 'removed: 1, changed: 1, excluded: 2');
  const fixed = await applyDiff(client, set, 'helm-controller');
  assert.deepEqual(fixed, { changes: ['ConfigMap/apps/gone created', 'ConfigMap/apps/web configured'], errors: [] });
  assert.deepEqual(calls, ['create gone', 'patch web [{"op":"replace","path":"/data/v","value":"orig"}]']);
});

void test('compileDriftIgnore: a bad pointer names the field', () => {
  assert.throws(
    () => compileDriftIgnore([{ paths: ['spec/replicas'] }]),
    /spec\.driftDetection\.ignore\[0\]\.paths\[0\] "spec\/replicas" is not a JSON pointer/,
  );
});
