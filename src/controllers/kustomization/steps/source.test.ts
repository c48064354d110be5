// Finding a Kustomization's source: kind, name and namespace of spec.sourceRef, the lockdown, and the
// retries while the source is missing or has no artifact. Stand-in informers, no cluster.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Artifact } from '../../../api/meta.ts';
import type { Kustomization } from '../../../api/kustomization.ts';
import type { Informer } from '../../../runtime/informer.ts';
import { ReconcileFailure } from '../../../runtime/reconcile/failure.ts';
import { resolveSource } from './source.ts';

const artifact: Artifact = {
  path: 'p',
  url: 'http://artifacts/p.tar.gz',
  revision: 'main@sha1:abc',
  digest: 'sha256:x',
  lastUpdateTime: '2026-01-01T00:00:00Z',
};
const informer = (objects: Record<string, unknown>): Informer => ({ get: (key: string) => objects[key] }) as Informer;
const git = informer({
  'apps/repo': { apiVersion: 'source.toolkit.fluxcd.io/v1', metadata: {}, status: { artifact } },
  'shared/repo': { apiVersion: 'source.toolkit.fluxcd.io/v1', metadata: {}, status: { artifact } },
  'apps/empty': { apiVersion: 'source.toolkit.fluxcd.io/v1', metadata: {}, status: {} },
});
const ks = (sourceRef: Kustomization['spec']['sourceRef']): Kustomization => ({
  apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
  kind: 'Kustomization',
  metadata: { name: 'app', namespace: 'apps' },
  spec: { interval: '5m', prune: true, sourceRef },
});
const resolve = (sourceRef: Kustomization['spec']['sourceRef'], noCrossNamespaceRefs = false) =>
  resolveSource({
    ks: ks(sourceRef),
    sources: new Map([['GitRepository', git]]),
    noCrossNamespaceRefs,
    requeueDependencyMs: 5_000,
    retryIntervalMs: 60_000,
  });

void test("spec.sourceRef kind and name find the source in the Kustomization's namespace by default", () => {
  assert.deepEqual(resolve({ kind: 'GitRepository', name: 'repo' }), {
    artifact,
    sourceName: 'GitRepository/apps/repo',
  });
});

void test('spec.sourceRef.namespace reaches another namespace, unless cross-namespace references are blocked', () => {
  const ref = { kind: 'GitRepository' as const, name: 'repo', namespace: 'shared' };
  assert.equal(resolve(ref).sourceName, 'GitRepository/shared/repo');
  assert.throws(
    () => resolve(ref, true),
    (err: unknown) => err instanceof ReconcileFailure && err.reason === 'AccessDenied' && err.stalled,
  );
});

void test('a missing source or artifact is retried, not stalled', () => {
  const missing = (name: string) => {
    try {
      resolve({ kind: 'GitRepository', name });
    } catch (err) {
      assert.ok(err instanceof ReconcileFailure);
      return { reason: err.reason, stalled: err.stalled, retry: err.opts.requeueAfterMs, message: err.message };
    }
    return assert.fail('resolved');
  };
  assert.deepEqual(missing('gone'), {
    reason: 'ArtifactFailed',
    stalled: false,
    retry: 60_000,
    message: "Source 'GitRepository/apps/gone' not found",
  });
  assert.equal(missing('empty').retry, 5_000);
});
