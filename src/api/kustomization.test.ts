import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import {
  KustomizationSchema,
  KustomizationSpecSchema,
  KustomizationStatusSchema,
  deletionPolicy,
  kustomizationSourceRef,
  kustomizationTimeoutMs,
  retryIntervalMs,
  shouldPruneOnDelete,
} from './kustomization.ts';
import type { Kustomization, KustomizationSpec } from './kustomization.ts';
import { isValid, schemaIssues, withDefaults } from './validate.ts';

// Flux's documented Kustomization, extended with the documented optional blocks.
const docExample = parse(`
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: podinfo
  namespace: default
spec:
  interval: 10m
  targetNamespace: default
  sourceRef:
    kind: GitRepository
    name: podinfo
  path: "./kustomize"
  prune: true
  timeout: 1m
  dependsOn:
    - name: infra
    - name: crds
      namespace: flux-system
      readyExpr: dep.status.conditions.exists(c, c.type == 'Ready' && c.status == 'True')
  postBuild:
    substitute:
      cluster_env: "prod"
      cluster_region: "eu-central-1"
    substituteFrom:
      - kind: ConfigMap
        name: cluster-vars
      - kind: Secret
        name: cluster-secret-vars
        optional: true
  patches:
    - patch: |-
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: not-used
        spec:
          replicas: 2
      target:
        kind: Deployment
        labelSelector: "app.kubernetes.io/part-of=my-app"
    - patch: |
        - op: add
          path: /metadata/annotations/key
          value: value
      target:
        kind: Deployment
        name: podinfo
  healthChecks:
    - apiVersion: apps/v1
      kind: Deployment
      name: podinfo
      namespace: default
  images:
    - name: podinfo
      newName: my-registry/podinfo
      newTag: v1
`) as Kustomization;

const validSpec: KustomizationSpec = { interval: '5m', prune: false, sourceRef: { kind: 'GitRepository', name: 'x' } };

void test("Flux's documented Kustomization validates", () => {
  assert.deepEqual(schemaIssues(KustomizationSchema, docExample), []);
});

void test('the documented Kustomization status validates', () => {
  const status = parse(`
observedGeneration: 3
lastHandledReconcileAt: "2026-01-01T10:00:00.123456789Z"
lastAppliedRevision: main@sha1:450796ddb2ab6724ee1cc32a4be56da032d1cca0
lastAttemptedRevision: main@sha1:450796ddb2ab6724ee1cc32a4be56da032d1cca0
conditions:
- {type: Ready, status: "True", reason: ReconciliationSucceeded, message: "Applied revision: main@sha1:4507", observedGeneration: 3, lastTransitionTime: "2025-08-15T11:12:00Z"}
- {type: Healthy, status: "True", reason: Succeeded, message: "Health check passed in 2.3s", observedGeneration: 3, lastTransitionTime: "2025-08-15T11:12:00Z"}
inventory:
  entries:
  - {id: default_podinfo__Service, v: v1}
  - {id: default_podinfo_apps_Deployment, v: v1}
history:
- digest: sha256:43ad78c94b2655429d84f21488f29d7cca9cd45b7f54d2b27e16bbec8eff9228
  firstReconciled: "2025-08-15T10:11:00Z"
  lastReconciled: "2025-08-15T11:12:00Z"
  lastReconciledDuration: 2.818583s
  lastReconciledStatus: ReconciliationSucceeded
  totalReconciliations: 2
  metadata: {revision: "main@sha1:450796ddb2ab6724ee1cc32a4be56da032d1cca0"}
`);
  assert.deepEqual(schemaIssues(KustomizationStatusSchema, status), []);
  assert.equal(isValid(KustomizationStatusSchema, { ...status, inventory: { entries: [{ id: 'x' }] } }), false);
  assert.equal(isValid(KustomizationStatusSchema, { ...status, observedGeneration: 1.5 }), false);
});

void test('spec validation rejects wrong kinds, enums, patterns and missing required fields', () => {
  const bad: Record<string, unknown>[] = [
    { ...validSpec, sourceRef: { kind: 'HelmRepository', name: 'x' } },
    { ...validSpec, sourceRef: { kind: 'GitRepository' } },
    { ...validSpec, interval: '1d' },
    { ...validSpec, retryInterval: 'often' },
    { ...validSpec, prune: 'true' },
    { ...validSpec, deletionPolicy: 'Keep' },
    { ...validSpec, targetNamespace: '' },
    { ...validSpec, postBuild: { substitute: { a: 1 } } },
    { ...validSpec, postBuild: { substituteFrom: [{ kind: 'Pod', name: 'x' }] } },
    { ...validSpec, decryption: { provider: 'vault' } },
    { ...validSpec, patches: [{ target: { kind: 'Deployment' } }] },
    { ...validSpec, healthChecks: [{ name: 'x' }] },
    { ...validSpec, dependsOn: ['infra'] },
    { interval: '5m', sourceRef: { kind: 'GitRepository', name: 'x' } },
  ];
  for (const spec of bad) assert.equal(isValid(KustomizationSpecSchema, spec), false, JSON.stringify(spec));
  assert.equal(isValid(KustomizationSpecSchema, validSpec), true);
});

void test('schema defaults leave path unset and set force false', () => {
  const spec = withDefaults(KustomizationSpecSchema, validSpec);
  assert.equal(spec.path, undefined);
  assert.equal(spec.force, false);
});

void test('kustomizationTimeoutMs: timeout, else interval minus 30 s, never below 30 s', () => {
  assert.equal(kustomizationTimeoutMs({ interval: '10m' }), 570_000);
  assert.equal(kustomizationTimeoutMs({ interval: '45s' }), 30_000);
  assert.equal(kustomizationTimeoutMs({ interval: '10m', timeout: '2m' }), 120_000);
  assert.equal(kustomizationTimeoutMs({ interval: '10m', timeout: '5s' }), 30_000);
});

void test('retryIntervalMs defaults to the interval', () => {
  assert.equal(retryIntervalMs({ interval: '10m' }), 600_000);
  assert.equal(retryIntervalMs({ interval: '10m', retryInterval: '30s' }), 30_000);
});

void test('deletionPolicy defaults to MirrorPrune and decides pruning on delete', () => {
  assert.equal(deletionPolicy({}), 'MirrorPrune');
  assert.equal(shouldPruneOnDelete({ prune: true }), true);
  assert.equal(shouldPruneOnDelete({ prune: false }), false);
  assert.equal(shouldPruneOnDelete({ prune: false, deletionPolicy: 'Delete' }), true);
  assert.equal(shouldPruneOnDelete({ prune: true, deletionPolicy: 'Orphan' }), false);
  assert.equal(shouldPruneOnDelete({ prune: true, deletionPolicy: 'WaitForTermination' }), true);
  assert.equal(shouldPruneOnDelete({ prune: true, suspend: true }), false);
});

void test('kustomizationSourceRef defaults apiVersion and namespace', () => {
  assert.deepEqual(kustomizationSourceRef(docExample), {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'GitRepository',
    name: 'podinfo',
    namespace: 'default',
  });
  const crossNs = {
    ...docExample,
    spec: { ...docExample.spec, sourceRef: { kind: 'OCIRepository' as const, name: 'o', namespace: 'flux-system' } },
  };
  assert.equal(kustomizationSourceRef(crossNs).namespace, 'flux-system');
});
