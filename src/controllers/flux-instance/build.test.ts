import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildInstance } from './build.ts';
import { ReconcileFailure } from '../../runtime/reconcile/failure.ts';
import { syncObjects } from './sync-objects.ts';
import { testInstance } from './test-objects.ts';

// Without patches no process runs, so a kustomize binary that does not exist proves it is never called.
const noKustomize = '/nonexistent/kustomize';

void test('without patches the sync objects get commonMetadata and a digest that follows the output', async () => {
  const instance = testInstance({ commonMetadata: { labels: { team: 'platform' }, annotations: { note: 'x' } } });
  const built = await buildInstance({ instance, kustomizeBin: noKustomize });
  assert.deepEqual(
    built.objects,
    syncObjects(instance).map((o) => ({
      ...o,
      metadata: { ...o.metadata, labels: { team: 'platform' }, annotations: { note: 'x' } },
    })),
  );
  assert.match(built.digest, /^sha256:[0-9a-f]{64}$/);
  assert.equal(built.revision, `2.x@${built.digest}`);
  const same = await buildInstance({
    instance: testInstance({ commonMetadata: { labels: { team: 'platform' }, annotations: { note: 'x' } } }),
    kustomizeBin: noKustomize,
  });
  assert.equal(same.digest, built.digest);
  const other = await buildInstance({ instance: testInstance(), kustomizeBin: noKustomize });
  assert.notEqual(other.digest, built.digest);
  const noSync = await buildInstance({ instance: testInstance({ sync: undefined }), kustomizeBin: noKustomize });
  assert.deepEqual(noSync.objects, []);
});

void test('patches without a sync stall with BuildFailed before kustomize runs', async () => {
  const nothing = testInstance({ sync: undefined, kustomize: { patches: [{ patch: '[]' }] } });
  await assert.rejects(buildInstance({ instance: nothing, kustomizeBin: noKustomize }), (err: unknown) => {
    assert.ok(err instanceof ReconcileFailure);
    assert.equal(err.reason, 'BuildFailed');
    assert.equal(err.stalled, true);
    assert.match(err.message, /there is nothing to patch: add spec\.sync/);
    return true;
  });
});
