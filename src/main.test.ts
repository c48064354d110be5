import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KubeApiError } from './kube/errors.ts';
import { assertCrdsInstalled } from './controllers/crd-check.ts';
import { rootWarning } from './main.ts';

const failingWith = (err: Error) => ({ resource: () => Promise.reject(err) });

void test('a missing CRD (NoKindMatch) is reported with the install command', async () => {
  const missing = new KubeApiError({ status: 404, reason: 'NoKindMatch', message: 'no matches for kind' });
  await assert.rejects(
    assertCrdsInstalled(failingWith(missing)),
    /GitRepository CRD .* is not installed.*driftless install/,
  );
});

void test('any other discovery failure passes on with its own message, not as a missing CRD', async () => {
  const forbidden = new KubeApiError({
    status: 403,
    reason: 'Forbidden',
    message: 'discovery of source.toolkit.fluxcd.io/v1 failed: Forbidden: forbidden: User "x" cannot get path',
  });
  await assert.rejects(assertCrdsInstalled(failingWith(forbidden)), (err: unknown) => {
    assert.equal(err, forbidden);
    assert.doesNotMatch((err as Error).message, /not installed/);
    return true;
  });
  const down = new KubeApiError({ status: 0, reason: 'NetworkError', message: 'discovery of v1 failed: ECONNREFUSED' });
  await assert.rejects(assertCrdsInstalled(failingWith(down)), (err: unknown) => err === down);
});

void test('every required kind served: no error', async () => {
  const asked: string[] = [];
  await assertCrdsInstalled({
    resource: (apiVersion: string, kind: string) => {
      asked.push(`${apiVersion}/${kind}`);
      return Promise.resolve({ group: '', version: '', kind, plural: '', namespaced: true, verbs: [] });
    },
  });
  assert.deepEqual(asked, [
    'source.toolkit.fluxcd.io/v1/GitRepository',
    'source.toolkit.fluxcd.io/v1/Bucket',
    'source.toolkit.fluxcd.io/v1/ExternalArtifact',
    'source.extensions.fluxcd.io/v1beta1/ArtifactGenerator',
    'kustomize.toolkit.fluxcd.io/v1/Kustomization',
    'notification.toolkit.fluxcd.io/v1beta3/Alert',
    'notification.toolkit.fluxcd.io/v1/Receiver',
  ]);
});

void test('a cluster whose CRDs predate Bucket is told to reinstall them, naming Bucket', async () => {
  const missing = new KubeApiError({ status: 404, reason: 'NoKindMatch', message: 'no matches for kind' });
  await assert.rejects(
    assertCrdsInstalled({
      resource: (apiVersion: string, kind: string) =>
        kind === 'Bucket'
          ? Promise.reject(missing)
          : Promise.resolve({ group: '', version: apiVersion, kind, plural: '', namespaced: true, verbs: [] }),
    }),
    /the Bucket CRD \(source\.toolkit\.fluxcd\.io\/v1\) is not installed in this cluster: run `driftless install`/,
  );
});

void test('running as root gives one clear warning naming the override to remove; other users none', () => {
  assert.match(
    rootWarning(0) ?? '',
    /^running as root \(uid 0\): .* root means a user override: remove the runAsUser: 0 \/ runAsNonRoot: false override$/,
  );
  assert.equal(rootWarning(65532), undefined);
  assert.equal(rootWarning(1000), undefined);
  assert.equal(rootWarning(undefined), undefined, 'no uids (Windows): no warning');
});
