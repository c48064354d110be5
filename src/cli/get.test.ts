import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forDisplay, summaryHeader, summaryRow } from './get.ts';
import { findKind, type FluxKind } from './kinds.ts';

const ks = findKind('ks') as FluxKind;
const sha = 'c7edd536'.repeat(5);
const app = {
  apiVersion: ks.apiVersion,
  kind: 'Kustomization',
  metadata: { name: 'app', namespace: 'apps', managedFields: [{ manager: 'kubectl' }] },
  spec: { suspend: true },
  status: {
    lastAppliedRevision: `main@sha1:${sha}`,
    conditions: [
      {
        type: 'Ready',
        status: 'True',
        reason: 'ReconciliationSucceeded',
        message: `Applied revision: main@sha1:${sha}`,
      },
    ],
  },
};

void test('get rows carry flux columns with hashes shortened and booleans titled', () => {
  assert.deepEqual(summaryHeader(false), ['Name', 'Revision', 'Suspended', 'Ready', 'Message']);
  assert.deepEqual(summaryRow(ks, app, { includeNamespace: false, includeKind: false }), [
    'app',
    'main@sha1:c7edd536',
    'True',
    'True',
    'Applied revision: main@sha1:c7edd536',
  ]);
});

void test('with -A the namespace leads; with get all the name is kind-qualified', () => {
  assert.deepEqual(summaryHeader(true)[0], 'Namespace');
  const row = summaryRow(ks, app, { includeNamespace: true, includeKind: true });
  assert.deepEqual(row.slice(0, 2), ['apps', 'kustomization/app']);
});

void test('an object never reconciled reads as not ready, waiting to be reconciled', () => {
  const fresh = { apiVersion: ks.apiVersion, kind: 'Kustomization', metadata: { name: 'new' } };
  assert.deepEqual(summaryRow(ks, fresh, { includeNamespace: false, includeKind: false }), [
    'new',
    '',
    'False',
    'False',
    'waiting to be reconciled',
  ]);
});

void test('-o yaml|json output leaves out managedFields and nothing else', () => {
  const shown = forDisplay(app);
  assert.equal(shown.metadata.managedFields, undefined);
  assert.equal(shown.metadata.namespace, 'apps');
  assert.deepEqual(shown.status, app.status);
  assert.ok(app.metadata.managedFields, 'the input is not modified');
});
