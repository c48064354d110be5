import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../kube/types.ts';
import { objectActivity } from './activity.ts';

test('a timeline merges events, commit statuses sent and Helm release revisions, newest first', () => {
  const hr: KubeObject = {
    apiVersion: 'helm.toolkit.fluxcd.io/v2',
    kind: 'HelmRelease',
    metadata: { name: 'web', namespace: 'apps' },
    status: {
      history: [
        {
          version: 2,
          status: 'deployed',
          chartName: 'podinfo',
          chartVersion: '6.5.1',
          firstDeployed: '2026-01-01T00:02:00Z',
          lastDeployed: '2026-01-01T00:02:00Z',
          action: 'upgrade',
        },
        {
          version: 1,
          status: 'superseded',
          chartName: 'podinfo',
          chartVersion: '6.5.0',
          lastDeployed: '2026-01-01T00:00:00Z',
        },
      ],
    },
  };
  const rows = objectActivity(hr, {
    events: [
      {
        type: 'Normal',
        reason: 'UpgradeSucceeded',
        message: 'Helm upgrade succeeded',
        timestamp: '2026-01-01T00:02:01Z',
        involvedObject: { kind: 'HelmRelease', namespace: 'apps', name: 'web' },
        revision: '6.5.1',
        count: 2,
      },
    ],
    statuses: [
      {
        object: { kind: 'HelmRelease', namespace: 'apps', name: 'web' },
        provider: { type: 'github', name: 'flux-system/gh' },
        sha: '0123456789abcdef0123',
        state: 'success',
        context: 'helmrelease/web/1234',
        description: 'Helm upgrade succeeded',
        sentAt: '2026-01-01T00:02:02Z',
      },
    ],
  });
  assert.deepEqual(
    rows.map((r) => [r.source, r.title, r.outcome]),
    [
      ['commit-status', 'commit 0123456789ab success', 'success'],
      ['event', 'UpgradeSucceeded', 'Normal'],
      ['helm-release', 'release v2 deployed', 'deployed'],
      ['helm-release', 'release v1 superseded', 'superseded'],
    ],
  );
  assert.equal(rows[1]!.detail, 'Helm upgrade succeeded (×2)');
  assert.equal(rows[2]!.detail, 'chart podinfo@6.5.1, by upgrade, first deployed 2026-01-01T00:02:00Z');
  assert.equal(rows[0]!.detail, 'helmrelease/web/1234 via github (Provider flux-system/gh): Helm upgrade succeeded');
  assert.equal(objectActivity(hr, { events: [], statuses: [] }, 1).length, 1);
});
