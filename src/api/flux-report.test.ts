import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crdFor } from './crd.ts';
import { FluxReportCrd, FluxReportSpecSchema, FluxReportStatusSchema } from './flux-report.ts';
import type { FluxReportSpec } from './flux-report.ts';
import { schemaIssues } from './validate.ts';

type Node = { [key: string]: unknown };

const spec: FluxReportSpec = {
  distribution: { entitlement: 'Unknown', status: 'Installed', version: 'v0.1.0', managedBy: 'driftless' },
  cluster: { serverVersion: 'v1.34.4', platform: 'linux/amd64', nodes: 2 },
  operator: { apiVersion: 'fluxcd.controlplane.io/v1', version: 'v0.1.0', platform: 'linux/amd64' },
  components: [{ name: 'source-controller', ready: true, status: 'Current Running' }],
  reconcilers: [
    {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'GitRepository',
      stats: { running: 2, failing: 1, suspended: 0, totalSize: '1.5 KiB' },
    },
  ],
  sync: {
    id: 'kustomization/flux-system',
    path: 'clusters/dev',
    ready: true,
    status: 'Applied revision: main@sha1:abc',
    source: 'https://example.com/fleet.git',
  },
};

void test('a complete report validates; missing required fields are named', () => {
  assert.deepEqual(schemaIssues(FluxReportSpecSchema, spec), []);
  assert.deepEqual(
    schemaIssues(FluxReportSpecSchema, { distribution: { status: 'Installed', entitlement: 'Unknown' } }),
    [],
  );
  const issues = schemaIssues(FluxReportSpecSchema, {
    ...spec,
    reconcilers: [{ apiVersion: 'v1', kind: 'X', stats: { running: 1 } }],
  });
  assert.ok(
    issues.some((i) => i.path.startsWith('/reconcilers/0/stats')),
    JSON.stringify(issues),
  );
  assert.deepEqual(
    schemaIssues(FluxReportStatusSchema, {
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'ReconciliationSucceeded',
          message: 'Reporting finished in 12ms',
          lastTransitionTime: '2026-01-02T03:04:05Z',
        },
      ],
    }),
    [],
  );
});

void test('the CRD is a namespaced singleton with the Operator columns, category and part-of label', () => {
  const crd = crdFor(FluxReportCrd);
  assert.equal(crd.metadata.name, 'fluxreports.fluxcd.controlplane.io');
  assert.equal(crd.metadata.labels?.['app.kubernetes.io/part-of'], 'flux');
  assert.equal(crd.spec.scope, 'Namespaced');
  assert.deepEqual((crd.spec.names as Node).categories, ['fluxcd']);
  const version = (crd.spec.versions as Node[])[0]!;
  assert.deepEqual(version.subresources, { status: {} });
  assert.deepEqual(
    (version.additionalPrinterColumns as Node[]).map((c) => [c.name, c.jsonPath, c.priority ?? 0]),
    [
      ['Entitlement', '.spec.distribution.entitlement', 10],
      ['Age', '.metadata.creationTimestamp', 0],
      ['Ready', '.status.conditions[?(@.type=="Ready")].status', 0],
      ['Status', '.status.conditions[?(@.type=="Ready")].message', 0],
      ['LastUpdated', '.status.conditions[?(@.type=="Ready")].lastTransitionTime', 0],
    ],
  );
  const root = (version.schema as { openAPIV3Schema: Node }).openAPIV3Schema;
  assert.deepEqual(root['x-kubernetes-validations'], [
    { rule: "self.metadata.name == 'flux'", message: "the only accepted name is 'flux'" },
  ]);
  const specNode = (root.properties as Record<string, Node>).spec!;
  assert.deepEqual(specNode.required, ['distribution']);
});
