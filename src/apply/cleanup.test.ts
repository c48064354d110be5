import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../kube/types.ts';
import { cleanupPatch, defaultCleanup, takeOverManagers } from './cleanup.ts';

const opts = defaultCleanup('driftless');

void test('cleanupPatch removes last-applied metadata and folds kubectl managers into our apply entry', () => {
  const existing: KubeObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: 'c',
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}', keep: 'x' },
      labels: { 'fluxcd.io/sync-gc-mark': 'y' },
      managedFields: [
        {
          manager: 'driftless',
          operation: 'Apply',
          apiVersion: 'v1',
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:data': { 'f:a': {} } },
        },
        {
          manager: 'kubectl-edit',
          operation: 'Update',
          apiVersion: 'v1',
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:data': { 'f:b': {} } },
        },
        {
          manager: 'other',
          operation: 'Update',
          apiVersion: 'v1',
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:data': { 'f:c': {} } },
        },
      ],
    },
  };
  assert.deepEqual(cleanupPatch(existing, opts, 'driftless'), [
    { op: 'remove', path: '/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration' },
    { op: 'remove', path: '/metadata/labels/fluxcd.io~1sync-gc-mark' },
    {
      op: 'replace',
      path: '/metadata/managedFields',
      value: [
        {
          manager: 'driftless',
          operation: 'Apply',
          apiVersion: 'v1',
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:data': { 'f:a': {}, 'f:b': {} } },
        },
        {
          manager: 'other',
          operation: 'Update',
          apiVersion: 'v1',
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:data': { 'f:c': {} } },
        },
      ],
    },
  ]);
});

void test('cleanupPatch is empty for a clean object; status entries are never taken over', () => {
  const clean: KubeObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: 'c',
      managedFields: [
        { manager: 'driftless', operation: 'Apply' },
        { manager: 'kubectl', operation: 'Update', subresource: 'status' },
      ],
    },
  };
  assert.deepEqual(cleanupPatch(clean, opts, 'driftless'), []);
});

void test('takeOverManagers renames when we have no apply entry yet', () => {
  const out = takeOverManagers(
    [{ manager: 'kubectl-client-side-apply', operation: 'Update', apiVersion: 'v1', fieldsV1: { 'f:x': {} } }],
    opts.fieldManagers,
    'driftless',
  );
  assert.deepEqual(out, [
    { manager: 'driftless', operation: 'Apply', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:x': {} } },
  ]);
});
