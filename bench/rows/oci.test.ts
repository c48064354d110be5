import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { appName, oneConfigMapApp } from '../fixtures.ts';
import { collectRow } from './common.ts';
import { OCI_ROW_TAG, appKustomization, appSource, noteMilestones, sinceStart, sourceOrder } from './oci.ts';

test('an OCIRepository source pins the row tag over plain HTTP; a GitRepository follows main with the Git credentials', () => {
  const oci = appSource('OCIRepository', 'ns', 'app-0001', 'oci://127.0.0.1:5000/ns/app-0001');
  assert.equal(oci.apiVersion, 'source.toolkit.fluxcd.io/v1');
  assert.equal(oci.kind, 'OCIRepository');
  assert.deepEqual(oci.metadata, { name: 'app-0001', namespace: 'ns' });
  assert.deepEqual(oci['spec'], {
    url: 'oci://127.0.0.1:5000/ns/app-0001',
    ref: { tag: OCI_ROW_TAG },
    insecure: true,
    interval: '60m',
  });
  const git = appSource('GitRepository', 'ns', 'app-0001', 'http://127.0.0.1:3000/ns-app-0001.git');
  assert.equal(git.kind, 'GitRepository');
  const spec = git['spec'] as Record<string, unknown>;
  assert.equal(spec['interval'], '60m');
  assert.deepEqual(spec['ref'], { branch: 'main' });
  assert.deepEqual(spec['secretRef'], { name: 'git-auth' });
});

test('each Kustomization reads the root of its own source of the given kind, without wait', () => {
  for (const kind of ['OCIRepository', 'GitRepository'] as const) {
    const ks = appKustomization(kind, 'ns', 'app-0002', '900s');
    const spec = ks['spec'] as Record<string, unknown>;
    assert.deepEqual(spec['sourceRef'], { kind, name: 'app-0002' });
    assert.equal(spec['path'], './');
    assert.equal(spec['targetNamespace'], 'ns');
    assert.equal(spec['wait'], false);
    assert.equal(spec['timeout'], '900s');
  }
});

test('the two source kinds swap places on every other repetition', () => {
  assert.deepEqual(sourceOrder(0), ['OCIRepository', 'GitRepository']);
  assert.deepEqual(sourceOrder(1), ['GitRepository', 'OCIRepository']);
  assert.deepEqual(sourceOrder(2), sourceOrder(0));
});

test('one application is a kustomization.yaml listing its one ConfigMap', () => {
  const files = oneConfigMapApp(appName(7));
  assert.deepEqual(Object.keys(files).sort(), ['configmap.yaml', 'kustomization.yaml']);
  assert.deepEqual((parse(files['kustomization.yaml']!) as { resources: string[] }).resources, ['configmap.yaml']);
  const cm = parse(files['configmap.yaml']!) as { kind: string; metadata: { name: string } };
  assert.equal(cm.kind, 'ConfigMap');
  assert.equal(cm.metadata.name, 'app-0007-config');
});

test('a Driftless-only row keeps metrics in first-put order, skips missing values and notes errors once', () => {
  const c = collectRow();
  c.put('time to all Ready', 'ms', 1200);
  c.put('peak RSS', 'bytes', 100);
  c.put('time to all Ready', 'ms', 1300);
  c.put('peak RSS', 'bytes', undefined);
  c.put('API requests', 'count', Number.NaN);
  const lines = c.lines('O N=2 via OCIRepository', ['turn 2 failed']);
  assert.deepEqual(
    lines.map((l) => [l.metric, l.driftless, l.flux, l.note]),
    [
      ['time to all Ready', [1200, 1300], [], 'turn 2 failed'],
      ['peak RSS', [100], [], undefined],
    ],
  );
  assert.deepEqual(collectRow().lines('O', ['no engine']), [
    { row: 'O', metric: 'time to all Ready', unit: 'ms', driftless: [], flux: [], note: 'no engine' },
  ]);
  assert.equal(collectRow().lines('O', [])[0]?.note, undefined);
});

test('milestones keep the first poll that reached them: all sources, then 95% of the Kustomizations', () => {
  let m = noteMilestones({}, 100, { sources: 19, kustomizations: 0 }, 20);
  assert.deepEqual(m, {});
  m = noteMilestones(m, 200, { sources: 20, kustomizations: 18 }, 20);
  assert.deepEqual(m, { sources: 200 });
  m = noteMilestones(m, 300, { sources: 20, kustomizations: 19 }, 20);
  assert.deepEqual(m, { sources: 200, kustomizations95: 300 });
  m = noteMilestones(m, 400, { sources: 20, kustomizations: 20 }, 20);
  assert.deepEqual(m, { sources: 200, kustomizations95: 300 });
  // 95% of 3 rounds up to all 3.
  assert.deepEqual(noteMilestones({}, 5, { sources: 0, kustomizations: 2 }, 3), {});
  assert.equal(sinceStart(300, 50), 250);
  assert.equal(sinceStart(undefined, 50), undefined);
});
