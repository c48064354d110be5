// The Ready reasons a Bucket gets for errors of the bucket client and the artifacts layer, and what a
// reconcile writes for failures that happen before any S3 request (stand-in client, no server).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Bucket, BucketStatus } from '../../api/bucket.ts';
import { ArchiveError, StorageError } from '../../artifacts/errors.ts';
import type { ArtifactStorage } from '../../artifacts/storage.ts';
import type { KubeClient } from '../../kube/client.ts';
import type { EventRecorder, RecordOptions } from '../../runtime/events.ts';
import type { Informer } from '../../runtime/informer.ts';
import { createLogger } from '../../runtime/logger.ts';
import { RuntimeMetrics } from '../../runtime/metrics.ts';
import { ReconcileFailure } from '../../runtime/reconcile/failure.ts';
import {
  BucketEndpointError,
  BucketError,
  BucketLimitError,
  S3ResponseError,
  UnsafeObjectKeyError,
} from '../../sources/bucket/errors.ts';
import { bucketFailureReason, bucketReconciler } from './reconciler.ts';

void test('bucket and artifact errors map to the reasons source-controller reports', () => {
  assert.equal(bucketFailureReason(new BucketEndpointError('scheme')), 'AuthenticationFailed');
  assert.equal(bucketFailureReason(new BucketError("bucket 'x' not found")), 'BucketOperationFailed');
  assert.equal(
    bucketFailureReason(new S3ResponseError('AccessDenied', 403, 'Access Denied.')),
    'BucketOperationFailed',
  );
  assert.equal(bucketFailureReason(new UnsafeObjectKeyError('../x', 'escapes')), 'BucketOperationFailed');
  assert.equal(bucketFailureReason(new BucketLimitError('too big')), 'BucketOperationFailed');
  assert.equal(bucketFailureReason(new ArchiveError('cap')), 'ArchiveOperationFailed');
  assert.equal(bucketFailureReason(new StorageError('disk full')), 'StorageOperationFailed');
  assert.equal(bucketFailureReason(new Error('boom')), undefined);
});

/** One reconcile of `spec` against stand-ins: the status patch and events it writes. */
async function reconcileOnce(
  spec: Partial<Bucket['spec']>,
  secrets: Record<string, Record<string, string>> = {},
  ends: 'backoff' | 'stalled' = 'backoff',
): Promise<{ status: BucketStatus; events: RecordOptions[] }> {
  const obj: Bucket = {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'Bucket',
    metadata: { name: 'assets', namespace: 'flux-system', generation: 1, finalizers: ['finalizers.fluxcd.io'] },
    spec: { bucketName: 'assets', endpoint: '127.0.0.1:1', insecure: true, interval: '1m', ...spec },
  };
  const patches: unknown[] = [];
  const events: RecordOptions[] = [];
  const client = {
    get: (ref: { kind: string; name: string }) => {
      const data = ref.kind === 'Secret' ? secrets[ref.name] : undefined;
      if (!data) return Promise.resolve(undefined);
      const encoded = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
      return Promise.resolve({ apiVersion: 'v1', kind: 'Secret', metadata: { name: ref.name }, data: encoded });
    },
    patch: (_ref: unknown, body: { status: unknown }) => {
      patches.push(body.status);
      return Promise.resolve(obj);
    },
  } as unknown as KubeClient;
  const reconciler = bucketReconciler({
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
  const run = reconciler.reconcile({ namespace: 'flux-system', name: 'assets' });
  if (ends === 'backoff') await assert.rejects(run, ReconcileFailure);
  else assert.deepEqual(await run, {});
  assert.equal(patches.length, 1);
  return { status: patches[0] as BucketStatus, events };
}

const conditions = (status: BucketStatus): string[] =>
  (status.conditions ?? [])
    .filter((c) => c.type !== 'Reconciling')
    .map((c) => `${c.type}=${c.status}:${c.reason}`)
    .sort();
const readyMessage = (status: BucketStatus): string | undefined =>
  status.conditions?.find((c) => c.type === 'Ready')?.message;

void test('a missing or incomplete Secret is AuthenticationFailed with FetchFailed, as Flux', async () => {
  const missing = await reconcileOnce({ secretRef: { name: 'keys' } });
  assert.deepEqual(conditions(missing.status), [
    'FetchFailed=True:AuthenticationFailed',
    'Ready=False:AuthenticationFailed',
  ]);
  assert.equal(readyMessage(missing.status), `failed to get secret 'flux-system/keys': secrets "keys" not found`);
  assert.deepEqual(
    missing.events.map((e) => `${e.type}:${e.reason}`),
    ['Warning:AuthenticationFailed'],
  );

  const incomplete = await reconcileOnce({ secretRef: { name: 'keys' } }, { keys: { accesskey: 'AKIA' } });
  assert.equal(
    readyMessage(incomplete.status),
    "invalid 'keys' secret data: required fields 'accesskey' and 'secretkey'",
  );

  const tls = await reconcileOnce({ insecure: false, certSecretRef: { name: 'tls' } }, { tls: { 'tls.crt': 'x' } });
  assert.deepEqual(conditions(tls.status), [
    'FetchFailed=True:AuthenticationFailed',
    'Ready=False:AuthenticationFailed',
  ]);
  assert.match(readyMessage(tls.status) ?? '', /must hold both tls\.crt and tls\.key/);
});

void test('an endpoint with a scheme fails as the client cannot be built, naming the way out', async () => {
  const { status } = await reconcileOnce({ endpoint: 'http://minio:9000' });
  assert.deepEqual(conditions(status), ['FetchFailed=True:AuthenticationFailed', 'Ready=False:AuthenticationFailed']);
  assert.match(readyMessage(status) ?? '', /must be host\[:port\] without a scheme \(set spec.insecure: true/);
});

void test('a missing or bad proxySecretRef is AuthenticationFailed naming the Secret, never its password', async () => {
  const missing = await reconcileOnce({ proxySecretRef: { name: 'proxy' } });
  assert.deepEqual(conditions(missing.status), [
    'FetchFailed=True:AuthenticationFailed',
    'Ready=False:AuthenticationFailed',
  ]);
  assert.equal(
    readyMessage(missing.status),
    `failed to get proxy URL: failed to get secret 'flux-system/proxy': secrets "proxy" not found`,
  );
  const noAddress = await reconcileOnce({ proxySecretRef: { name: 'proxy' } }, { proxy: { password: 'pw-271' } });
  assert.equal(
    readyMessage(noAddress.status),
    "failed to get proxy URL: secret 'flux-system/proxy': key 'address' not found",
  );
  const https = await reconcileOnce(
    { proxySecretRef: { name: 'proxy' } },
    { proxy: { address: 'https://proxy:3128', password: 'pw-271' } },
  );
  assert.match(readyMessage(https.status) ?? '', /only http:\/\/ proxy addresses are supported/);
  for (const r of [missing, noAddress, https]) assert.doesNotMatch(JSON.stringify(r), /pw-271/);
});

void test('cloud providers, sts and serviceAccountName are NotSupported and Stalled', async () => {
  const { status } = await reconcileOnce(
    {
      provider: 'gcp',
      sts: { provider: 'ldap', endpoint: 'https://ldap.example' },
      serviceAccountName: 'workload',
    },
    {},
    'stalled',
  );
  assert.deepEqual(conditions(status), ['Ready=False:NotSupported', 'Stalled=True:NotSupported']);
  const message = readyMessage(status) ?? '';
  for (const field of ["spec.provider 'gcp'", 'spec.sts', 'spec.serviceAccountName']) {
    assert.ok(message.includes(`${field} is not supported by Driftless yet`), `${field} in: ${message}`);
  }
});
