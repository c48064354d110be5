import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../kube/types.ts';
import { computeStatus, Status } from './status.ts';

const obj = (
  apiVersion: string,
  kind: string,
  rest: Partial<KubeObject> & { generation?: number } = {},
): KubeObject => {
  const { generation, metadata, ...body } = rest;
  return {
    apiVersion,
    kind,
    metadata: { name: 'x', namespace: 'default', ...(generation ? { generation } : {}), ...metadata },
    ...body,
  };
};

const deployment = (status: Record<string, unknown>, replicas = 2) =>
  obj('apps/v1', 'Deployment', {
    generation: 3,
    spec: { replicas, progressDeadlineSeconds: 600 },
    status: { observedGeneration: 3, ...status },
  });

const rolledOut = {
  replicas: 2,
  updatedReplicas: 2,
  readyReplicas: 2,
  availableReplicas: 2,
  conditions: [
    { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' },
    { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' },
  ],
};

const cases: [string, KubeObject | undefined, Status, RegExp?][] = [
  ['missing object', undefined, Status.NotFound],
  [
    'being deleted',
    obj('v1', 'ConfigMap', { metadata: { name: 'x', deletionTimestamp: '2024-01-01T00:00:00Z' } }),
    Status.Terminating,
  ],
  ['Deployment rolled out', deployment(rolledOut), Status.Current, /Replicas: 2/],
  [
    'Deployment without status',
    obj('apps/v1', 'Deployment', { spec: { replicas: 1 } }),
    Status.InProgress,
    /Replicas: 0\/1/,
  ],
  [
    'Deployment with one pod not ready',
    deployment({ ...rolledOut, readyReplicas: 1 }),
    Status.InProgress,
    /Ready: 1\/2/,
  ],
  ['Deployment rolling', deployment({ ...rolledOut, updatedReplicas: 1 }), Status.InProgress, /Updated: 1\/2/],
  ['Deployment scaling down', deployment({ ...rolledOut, replicas: 3 }), Status.InProgress, /Pending termination: 1/],
  [
    'Deployment not yet observed',
    obj('apps/v1', 'Deployment', {
      generation: 4,
      spec: { replicas: 2 },
      status: { ...rolledOut, observedGeneration: 3 },
    }),
    Status.InProgress,
    /generation is 4, but latest observed generation is 3/,
  ],
  [
    'Deployment past its progress deadline',
    deployment({
      ...rolledOut,
      readyReplicas: 0,
      conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }],
    }),
    Status.Failed,
    /Progress deadline exceeded/,
  ],
  [
    'Deployment not Available',
    deployment({
      ...rolledOut,
      conditions: [{ type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' }],
    }),
    Status.InProgress,
    /Deployment not Available/,
  ],
  [
    'StatefulSet rolled out',
    obj('apps/v1', 'StatefulSet', {
      spec: { replicas: 1 },
      status: {
        replicas: 1,
        readyReplicas: 1,
        currentReplicas: 1,
        updatedReplicas: 1,
        currentRevision: 'r1',
        updateRevision: 'r1',
      },
    }),
    Status.Current,
  ],
  [
    'StatefulSet mid-update',
    obj('apps/v1', 'StatefulSet', {
      spec: { replicas: 1 },
      status: { replicas: 1, readyReplicas: 1, currentReplicas: 1, currentRevision: 'r1', updateRevision: 'r2' },
    }),
    Status.InProgress,
    /r2/,
  ],
  [
    'DaemonSet partially available',
    obj('apps/v1', 'DaemonSet', {
      status: {
        desiredNumberScheduled: 3,
        currentNumberScheduled: 3,
        updatedNumberScheduled: 3,
        numberAvailable: 2,
        numberReady: 3,
      },
    }),
    Status.InProgress,
    /Available: 2\/3/,
  ],
  [
    'ReplicaSet ready',
    obj('apps/v1', 'ReplicaSet', {
      spec: { replicas: 1 },
      status: { replicas: 1, fullyLabeledReplicas: 1, readyReplicas: 1, availableReplicas: 1 },
    }),
    Status.Current,
  ],
  [
    'Pod ready',
    obj('v1', 'Pod', { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } }),
    Status.Current,
  ],
  ['Pod failed', obj('v1', 'Pod', { status: { phase: 'Failed' } }), Status.Failed],
  ['Pod succeeded', obj('v1', 'Pod', { status: { phase: 'Succeeded' } }), Status.Current],
  [
    'Pod unschedulable',
    obj('v1', 'Pod', {
      status: {
        phase: 'Pending',
        conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/1 nodes' }],
      },
    }),
    Status.InProgress,
    /could not be scheduled: 0\/1 nodes/,
  ],
  [
    'Job failed',
    obj('batch/v1', 'Job', {
      status: { failed: 3, conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }] },
    }),
    Status.Failed,
    /BackoffLimitExceeded/,
  ],
  [
    'Job complete',
    obj('batch/v1', 'Job', { status: { succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] } }),
    Status.Current,
  ],
  [
    'Job running',
    obj('batch/v1', 'Job', { status: { startTime: '2024-01-01T00:00:00Z', active: 1 } }),
    Status.InProgress,
  ],
  ['PVC pending', obj('v1', 'PersistentVolumeClaim', { status: { phase: 'Pending' } }), Status.InProgress],
  ['PVC bound', obj('v1', 'PersistentVolumeClaim', { status: { phase: 'Bound' } }), Status.Current],
  ['ClusterIP Service', obj('v1', 'Service', { spec: { type: 'ClusterIP' } }), Status.Current],
  [
    'LoadBalancer without ingress',
    obj('v1', 'Service', { spec: { type: 'LoadBalancer' }, status: { loadBalancer: {} } }),
    Status.InProgress,
  ],
  [
    'LoadBalancer with ingress',
    obj('v1', 'Service', {
      spec: { type: 'LoadBalancer' },
      status: { loadBalancer: { ingress: [{ ip: '10.0.0.1' }] } },
    }),
    Status.Current,
  ],
  [
    'CRD established',
    obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', {
      status: { conditions: [{ type: 'Established', status: 'True' }] },
    }),
    Status.Current,
  ],
  ['CRD installing', obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', { status: {} }), Status.InProgress],
  [
    'CRD names conflict',
    obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', {
      status: { conditions: [{ type: 'NamesAccepted', status: 'False', message: 'plural in use' }] },
    }),
    Status.Failed,
    /plural in use/,
  ],
  ['Namespace active', obj('v1', 'Namespace', { status: { phase: 'Active' } }), Status.Current],
  ['Namespace without status', obj('v1', 'Namespace'), Status.InProgress],
  ['ConfigMap', obj('v1', 'ConfigMap', { data: { a: 'b' } }), Status.Current],
  [
    'Flux object with observedGeneration lag',
    obj('kustomize.toolkit.fluxcd.io/v1', 'Kustomization', {
      generation: 2,
      status: {
        observedGeneration: 1,
        conditions: [{ type: 'Ready', status: 'True', reason: 'ReconciliationSucceeded' }],
      },
    }),
    Status.InProgress,
    /observed generation is 1/,
  ],
  [
    'Flux object ready',
    obj('kustomize.toolkit.fluxcd.io/v1', 'Kustomization', {
      generation: 2,
      status: {
        observedGeneration: 2,
        conditions: [{ type: 'Ready', status: 'True', message: 'Applied revision: main@sha1:abc' }],
      },
    }),
    Status.Current,
    /Applied revision/,
  ],
  [
    'Flux object reconciling',
    obj('source.toolkit.fluxcd.io/v1', 'GitRepository', {
      status: {
        conditions: [
          { type: 'Reconciling', status: 'True', message: 'building artifact' },
          { type: 'Ready', status: 'Unknown' },
        ],
      },
    }),
    Status.InProgress,
    /building artifact/,
  ],
  [
    'Flux object stalled',
    obj('source.toolkit.fluxcd.io/v1', 'GitRepository', {
      status: {
        conditions: [
          { type: 'Stalled', status: 'True', message: 'invalid URL' },
          { type: 'Ready', status: 'False' },
        ],
      },
    }),
    Status.Failed,
    /invalid URL/,
  ],
  [
    'custom resource not ready',
    obj('example.com/v1', 'Widget', {
      status: { conditions: [{ type: 'Ready', status: 'False', message: 'waiting' }] },
    }),
    Status.InProgress,
    /waiting/,
  ],
];

for (const [name, input, status, message] of cases) {
  void test(`computeStatus: ${name} → ${status}`, () => {
    const result = computeStatus(input);
    assert.equal(result.status, status, result.message);
    if (message) assert.match(result.message, message);
  });
}
