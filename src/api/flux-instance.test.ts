import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crdFor } from './crd.ts';
import { FluxInstanceCrd, FluxInstanceSpecSchema, FluxInstanceStatusSchema } from './flux-instance.ts';
import type { FluxInstanceSpec } from './flux-instance.ts';
import { schemaIssues } from './validate.ts';

type Node = { [key: string]: unknown };

// What a Flux Operator user writes (fluxoperator.dev's example), with every image-related field set.
const spec: FluxInstanceSpec = {
  distribution: {
    version: '2.x',
    registry: 'ghcr.io/fluxcd',
    artifact: 'oci://ghcr.io/controlplaneio-fluxcd/flux-operator-manifests',
    variant: 'upstream-alpine',
  },
  components: ['source-controller', 'kustomize-controller', 'notification-controller'],
  cluster: { type: 'kubernetes', size: 'medium', multitenant: false, networkPolicy: true, domain: 'cluster.local' },
  sync: {
    kind: 'GitRepository',
    url: 'https://git.example.com/fleet.git',
    ref: 'refs/heads/main',
    path: 'clusters/prod',
    pullSecret: 'flux-system',
    interval: '5m',
  },
  kustomize: {
    patches: [{ target: { kind: 'Kustomization' }, patch: '- op: add\n  path: /spec/timeout\n  value: 2m\n' }],
  },
  commonMetadata: { labels: { team: 'platform' } },
  storage: { class: 'standard', size: '10Gi' },
  migrateResources: true,
  wait: true,
};

void test('a Flux Operator FluxInstance validates; bad enum values and artifact URLs are named', () => {
  assert.deepEqual(schemaIssues(FluxInstanceSpecSchema, spec), []);
  assert.deepEqual(
    schemaIssues(FluxInstanceSpecSchema, { distribution: { version: '2.7.0', registry: 'ghcr.io/fluxcd' } }),
    [],
  );
  const paths = (value: unknown) => schemaIssues(FluxInstanceSpecSchema, value).map((i) => i.path);
  assert.ok(paths({ ...spec, components: ['flagger'] }).some((p) => p.startsWith('/components/0')));
  assert.ok(
    paths({ ...spec, distribution: { ...spec.distribution, artifact: 'https://x' } }).includes(
      '/distribution/artifact',
    ),
  );
  assert.ok(paths({ ...spec, sync: { ...spec.sync, kind: 'HelmRepository' } }).some((p) => p.startsWith('/sync/kind')));
  assert.ok(
    paths({ distribution: { version: '2.x' } }).some((p) => p.startsWith('/distribution')),
    'registry is required',
  );
  assert.deepEqual(
    schemaIssues(FluxInstanceStatusSchema, {
      lastAttemptedRevision: '2.x@sha256:ab',
      inventory: { entries: [{ id: 'flux-system_flux-system_source.toolkit.fluxcd.io_GitRepository', v: 'v1' }] },
    }),
    [],
  );
});

void test('the CRD is a namespaced singleton with the sync rules in CEL and no schema defaults', () => {
  const crd = crdFor(FluxInstanceCrd);
  assert.equal(crd.metadata.name, 'fluxinstances.fluxcd.controlplane.io');
  const version = (crd.spec.versions as Node[])[0]!;
  const root = (version.schema as { openAPIV3Schema: Node }).openAPIV3Schema;
  const rules = (root['x-kubernetes-validations'] as { rule: string; message: string }[]).map((r) => r.message);
  assert.deepEqual(rules, [
    "the only accepted name is 'flux'",
    "spec.sync.provider 'github' is only supported with kind GitRepository",
    "spec.sync.provider 'gcp' is not supported with kind GitRepository",
    'spec.sync.name is immutable',
  ]);
  // A default on components would add helm-controller, which Driftless must then refuse.
  assert.ok(!JSON.stringify(root).includes('"default"'));
  assert.deepEqual(version.subresources, { status: {} });
});
