import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runningProcesses } from './peers.ts';

const lease = (name: string, annotations: Record<string, string> | undefined, holder: string, renewTime: string) => ({
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: { name, namespace: 'flux-system', ...(annotations ? { annotations } : {}) },
  spec: { holderIdentity: holder, renewTime, leaseDurationSeconds: 35 },
});

void test('only held, fresh Driftless Leases count as running processes', () => {
  const now = new Date('2026-01-01T00:10:00Z');
  const shard = {
    'driftless.dev/components': 'source-controller,kustomize-controller',
    'driftless.dev/watch-label-selector': 'sharding.fluxcd.io/key=shard1',
  };
  assert.deepEqual(
    runningProcesses(
      [
        lease('a', shard, 'pod-a', '2026-01-01T00:09:50.000000Z'),
        lease(
          'main',
          { 'driftless.dev/components': 'notification-controller', 'driftless.dev/watch-label-selector': '' },
          'pod-m',
          '2026-01-01T00:09:59Z',
        ),
        lease('released', shard, '', '2026-01-01T00:09:59Z'),
        lease('stale', shard, 'pod-b', '2026-01-01T00:08:00Z'),
        lease('not-ours', undefined, 'kube-scheduler', '2026-01-01T00:09:59Z'),
      ],
      now,
    ),
    [
      { components: ['source-controller', 'kustomize-controller'], selector: 'sharding.fluxcd.io/key=shard1' },
      { components: ['notification-controller'], selector: undefined },
    ],
  );
});
