import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kustomization } from '../api/kustomization.ts';
import type { DriftEntry } from '../apply/apply.ts';
import { changeEntry } from '../apply/changeset.ts';
import { formatDiff, pruneCandidates } from './diff.ts';

const cm = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'apps', name });
const entry = (name: string, action: DriftEntry['action'], changes: DriftEntry['changes'] = []): DriftEntry => ({
  ...changeEntry(cm(name), action),
  changes,
});

void test('the diff lists created, drifted (field by field) and skipped objects; unchanged ones are silent', () => {
  const { text, changed } = formatDiff(
    [
      entry('same', 'unchanged'),
      entry('new', 'created'),
      entry('edited', 'configured', [
        { path: '/data/value', before: 'a', after: 'b' },
        { path: '/data/added', after: 'x' },
        { path: '/metadata/labels', before: { team: 'a' } },
      ]),
      entry('ignored', 'skipped'),
    ],
    [cm('old')],
  );
  assert.equal(changed, true);
  assert.equal(
    text,
    [
      '► ConfigMap/apps/new created',
      '► ConfigMap/apps/edited drifted',
      '  /data/value',
      '    - a',
      '    + b',
      '  /data/added',
      '    + x',
      '  /metadata/labels',
      '    - { team: a }',
      '► ConfigMap/apps/ignored skipped',
      '► ConfigMap/apps/old deleted',
      '',
    ].join('\n'),
  );
});

void test('nothing to change prints nothing and reports no change (exit 0)', () => {
  assert.deepEqual(formatDiff([entry('same', 'unchanged'), entry('ignored', 'skipped')], []), {
    text: '► ConfigMap/apps/ignored skipped\n',
    changed: false,
  });
  assert.deepEqual(formatDiff([], []), { text: '', changed: false });
});

void test('prune candidates are live inventory entries missing from the build, only when prune is on', () => {
  const live = {
    metadata: { name: 'app', namespace: 'apps' },
    spec: { prune: true },
    status: {
      inventory: {
        entries: [
          { id: 'apps_keep__ConfigMap', v: 'v1' },
          { id: 'apps_gone__ConfigMap', v: 'v1' },
          { id: '_gone-ns__Namespace', v: 'v1' },
        ],
      },
    },
  } as unknown as Kustomization;
  const built = [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'keep', namespace: 'apps' } }];
  assert.deepEqual(pruneCandidates(live, live, built), [
    { apiVersion: 'v1', kind: 'Namespace', name: 'gone-ns' },
    { apiVersion: 'v1', kind: 'ConfigMap', name: 'gone', namespace: 'apps' },
  ]);
  const noPrune = { ...live, spec: { prune: false } } as unknown as Kustomization;
  assert.deepEqual(pruneCandidates(live, noPrune, built), []);
  assert.deepEqual(pruneCandidates(undefined, live, built), [], 'no live object, nothing to prune');
});
