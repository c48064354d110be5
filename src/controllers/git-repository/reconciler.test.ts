// The Ready reasons a GitRepository gets for errors of the Git client and the artifacts layer: the mapping,
// and what a reconcile writes for failures that happen before git runs (stand-in client, no process).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { GitRepository, GitRepositoryStatus } from '../../api/git-repository.ts';
import { ArchiveError, ArtifactFetchError, StorageError } from '../../artifacts/errors.ts';
import type { ArtifactStorage } from '../../artifacts/storage.ts';
import type { KubeClient } from '../../kube/client.ts';
import type { EventRecorder, RecordOptions } from '../../runtime/events.ts';
import type { Informer } from '../../runtime/informer.ts';
import { createLogger } from '../../runtime/logger.ts';
import { RuntimeMetrics } from '../../runtime/metrics.ts';
import { ReconcileFailure } from '../../runtime/reconcile/failure.ts';
import { GitAuthError, GitOperationError, GitUrlError } from '../../sources/git/errors.ts';
import { gitRepositoryFailureReason, gitRepositoryReconciler } from './reconciler.ts';

void test('Git and artifact errors map to the reasons source-controller reports', () => {
  const url = 'https://git.example/repo.git';
  assert.equal(gitRepositoryFailureReason(new GitAuthError('denied', { url })), 'AuthenticationFailed');
  assert.equal(gitRepositoryFailureReason(new GitUrlError('bad url', { url })), 'URLInvalid');
  assert.equal(gitRepositoryFailureReason(new GitOperationError('timed out', { url })), 'GitOperationFailed');
  assert.equal(gitRepositoryFailureReason(new ArchiveError('symlink loop')), 'ArchiveOperationFailed');
  assert.equal(gitRepositoryFailureReason(new StorageError('disk full')), 'StorageOperationFailed');
});

void test('errors the source reconciler does not classify are left to the fallback', () => {
  assert.equal(gitRepositoryFailureReason(new Error('boom')), undefined);
  assert.equal(gitRepositoryFailureReason(new ArtifactFetchError('http://a/x.tar.gz', 'HTTP 500')), undefined);
  assert.equal(gitRepositoryFailureReason('a string'), undefined);
  assert.equal(gitRepositoryFailureReason(undefined), undefined);
});

/** One reconcile of `spec` against stand-ins: the status patches and events it writes, and its failure. */
async function reconcileOnce(
  spec: Partial<GitRepository['spec']>,
  ends: 'backoff' | 'stalled' = 'backoff',
): Promise<{ status: GitRepositoryStatus; events: RecordOptions[] }> {
  const obj: GitRepository = {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'GitRepository',
    metadata: { name: 'repo', namespace: 'flux-system', generation: 1, finalizers: ['finalizers.fluxcd.io'] },
    spec: { url: 'https://git.example/repo.git', interval: '1m', ...spec },
  };
  const patches: unknown[] = [];
  const events: RecordOptions[] = [];
  const client = {
    get: () => Promise.resolve(undefined),
    patch: (_ref: unknown, body: { status: unknown }) => {
      patches.push(body.status);
      return Promise.resolve(obj);
    },
  } as unknown as KubeClient;
  const reconciler = gitRepositoryReconciler({
    client,
    recorder: {
      record: (_o: unknown, e: RecordOptions) => Promise.resolve(void events.push(e)),
    } as unknown as EventRecorder,
    logger: createLogger({ level: 'silent' }),
    metrics: new RuntimeMetrics({ processMetrics: false }),
    informer: { get: () => obj } as unknown as Informer,
    // Every case fails before an artifact is stored.
    storage: {} as ArtifactStorage,
  });
  // A failed fetch backs off: the reconcile rejects after writing the status. A stalled one asks for nothing.
  const run = reconciler.reconcile({ namespace: 'flux-system', name: 'repo' });
  if (ends === 'backoff') await assert.rejects(run, ReconcileFailure);
  else assert.deepEqual(await run, {});
  assert.equal(patches.length, 1);
  return { status: patches[0] as GitRepositoryStatus, events };
}

const conditions = (status: GitRepositoryStatus): string[] =>
  (status.conditions ?? []).filter((c) => c.type !== 'Reconciling').map((c) => `${c.type}=${c.status}:${c.reason}`);

void test('a failed fetch sets Ready=False and FetchFailed=True with the Git error reason, and a Warning event', async () => {
  const url = await reconcileOnce({ url: 'ftp://git.example/repo.git' });
  assert.deepEqual(conditions(url.status).sort(), ['FetchFailed=True:URLInvalid', 'Ready=False:URLInvalid']);
  assert.deepEqual(
    url.events.map((e) => `${e.type}:${e.reason}`),
    ['Warning:URLInvalid'],
  );

  const ref = await reconcileOnce({ ref: { branch: 'a..b' } });
  assert.deepEqual(conditions(ref.status).sort(), [
    'FetchFailed=True:GitOperationFailed',
    'Ready=False:GitOperationFailed',
  ]);

  const secret = await reconcileOnce({ secretRef: { name: 'missing' } });
  assert.deepEqual(conditions(secret.status).sort(), [
    'FetchFailed=True:AuthenticationFailed',
    'Ready=False:AuthenticationFailed',
  ]);
});

void test('a proxySecretRef whose Secret is missing is AuthenticationFailed with FetchFailed, as Flux', async () => {
  const { status } = await reconcileOnce({ proxySecretRef: { name: 'proxy' } });
  assert.deepEqual(conditions(status).sort(), [
    'FetchFailed=True:AuthenticationFailed',
    'Ready=False:AuthenticationFailed',
  ]);
  assert.equal(
    status.conditions?.find((c) => c.type === 'Ready')?.message,
    `failed to configure proxy options: failed to get secret 'flux-system/proxy': secrets "proxy" not found`,
  );
});

void test('serviceAccountName and a provider other than generic are NotSupported and Stalled before any fetch', async () => {
  const { status, events } = await reconcileOnce(
    {
      url: 'ftp://not-even-fetched.example/repo.git',
      provider: 'github',
      serviceAccountName: 'workload',
    },
    'stalled',
  );
  assert.deepEqual(conditions(status).sort(), ['Ready=False:NotSupported', 'Stalled=True:NotSupported']);
  assert.equal(
    status.conditions?.find((c) => c.type === 'Ready')?.message,
    "spec.provider 'github' is not supported by Driftless yet: use provider generic (the default) with credentials in a Secret referenced by spec.secretRef; " +
      'spec.serviceAccountName is not supported by Driftless yet: remove it and put credentials in a Secret referenced by spec.secretRef (no workload identity)',
  );
  assert.deepEqual(
    events.map((e) => `${e.type}:${e.reason}`),
    ['Warning:NotSupported'],
  );
});
