import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { exportManifests, installManifests } from './manifests.ts';

const kindsOf = (yaml: string): string[] => parseAllDocuments(yaml).map((d) => (d.toJS() as { kind: string }).kind);

test('export with crdsOnly prints only the CustomResourceDefinitions', () => {
  const kinds = kindsOf(exportManifests({ crdsOnly: true }));
  const crdCount = installManifests().filter((o) => o.kind === 'CustomResourceDefinition').length;
  assert.ok(crdCount > 0);
  assert.equal(kinds.length, crdCount);
  assert.deepEqual(new Set(kinds), new Set(['CustomResourceDefinition']));
});

test('export without crdsOnly prints every install object in order', () => {
  const kinds = kindsOf(exportManifests({ namespace: 'ops', image: 'x:1' }));
  assert.deepEqual(
    kinds,
    installManifests().map((o) => o.kind),
  );
  assert.ok(kinds.includes('Deployment') && kinds.includes('Namespace'));
});

test('the manager learns its runtime namespace from the Pod, as Flux’s controllers (RUNTIME_NAMESPACE)', () => {
  const deployment = installManifests().find((o) => o.kind === 'Deployment') as unknown as {
    spec: { template: { spec: { containers: { env?: unknown[] }[] } } };
  };
  assert.deepEqual(deployment.spec.template.spec.containers[0]?.env, [
    { name: 'RUNTIME_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
  ]);
});
