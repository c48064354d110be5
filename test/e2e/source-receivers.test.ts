// Receivers on OCI and S3 sources end to end: a `harbor` Receiver (the Authorization header is the token)
// reconciles an OCIRepository when a new artifact is pushed to a real registry, and a `generic` Receiver
// reconciles a Bucket when an object changes on versitygw. Both sources poll once an hour, so only the
// webhook can bring the change in; the Kustomizations apply it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ApiVersions } from '../../src/api/constants.ts';
import { startS3Server, type S3Server } from '../../src/devenv/s3-server.ts';
import type { KubeObject } from '../../src/kube/types.ts';
import { RegistryClient } from '../../src/sources/oci/client.ts';
import { archiveForPush, pushArtifact } from '../../src/sources/oci/push.ts';
import { ksRef, kustomization, ref, startTestEnv, type TestEnv } from '../support/env.ts';
import { startTestRegistry, type TestRegistry } from '../support/oci-registry.ts';

const ns = 'source-receivers';
const TOKEN = 'receiver-token-5309';
let env: TestEnv;
let registry: TestRegistry;
let s3: S3Server;

const configMap = (name: string, value: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${ns}\ndata:\n  value: ${value}\n`;
const receiverRef = (name: string) => ref('notification.toolkit.fluxcd.io/v1', 'Receiver', ns, name);

async function configMapValue(name: string): Promise<string | undefined> {
  const cm = await env.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name });
  return (cm?.['data'] as { value?: string } | undefined)?.value;
}

async function pushApp(value: string): Promise<string> {
  const dir = await mkdtemp(path.join(env.tmp, 'receiver-oci-'));
  await writeFile(path.join(dir, 'cm.yaml'), configMap('from-oci', value));
  const client = new RegistryClient({ registry: registry.host, repository: 'apps/web' });
  return (await pushArtifact({ client, tag: 'latest', layer: await archiveForPush(dir), meta: {} })).digest;
}

/** Applies a Receiver for `resources` and returns its webhook URL once it is Ready. */
async function receiver(name: string, type: string, resources: { kind: string; name: string }[]): Promise<string> {
  await env.apply({
    apiVersion: 'notification.toolkit.fluxcd.io/v1',
    kind: 'Receiver',
    metadata: { name, namespace: ns },
    spec: { type, secretRef: { name: 'receiver-token' }, resources },
  } as KubeObject);
  const ready = await env.waitForReady(receiverRef(name));
  const hookPath = String(ready.status?.['webhookPath']);
  assert.match(hookPath, /^\/hook\/[0-9a-f]{64}$/);
  return `${env.engine!.receiverUrl}${hookPath}`;
}

before(async () => {
  env = await startTestEnv();
  [registry, s3] = await Promise.all([startTestRegistry(), startS3Server()]);
  await env.namespace(ns);
  await env.apply({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'receiver-token', namespace: ns },
    stringData: { token: TOKEN },
  } as KubeObject);
});
after(async () => {
  await Promise.all([registry?.stop(), s3?.stop()]);
  await env?.stop();
});

void test('a harbor Receiver reconciles the OCIRepository at once when a new artifact is pushed', async () => {
  const first = await pushApp('one');
  await env.apply({
    apiVersion: ApiVersions.source,
    kind: 'OCIRepository',
    metadata: { name: 'web', namespace: ns },
    spec: { url: `oci://${registry.host}/apps/web`, interval: '1h' },
  } as KubeObject);
  await env.apply(kustomization(ns, 'web', 'web', { sourceRef: { kind: 'OCIRepository', name: 'web' } }));
  await env.waitForReady(ksRef(ns, 'web'), { messageIncludes: first });
  const url = await receiver('harbor', 'harbor', [{ kind: 'OCIRepository', name: 'web' }]);

  const second = await pushApp('two');
  const post = (authorization: string) =>
    fetch(url, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'PUSH_ARTIFACT', event_data: { repository: { repo_full_name: 'apps/web' } } }),
    });
  const refused = await post('not-the-token');
  assert.ok(refused.status >= 400, `a wrong Authorization header is refused (${refused.status})`);
  assert.equal((await post(TOKEN)).status, 200);
  await env.waitForReady(ksRef(ns, 'web'), { messageIncludes: second }, 30_000);
  assert.equal(await configMapValue('from-oci'), 'two');
});

void test('a generic Receiver reconciles the Bucket at once when an object changes', async () => {
  await s3.createBucket('assets', { 'cm.yaml': configMap('from-bucket', 'one') });
  await env.apply({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 's3-keys', namespace: ns },
    stringData: { accesskey: s3.accessKey, secretkey: s3.secretKey },
  } as KubeObject);
  const bucketRef = ref(ApiVersions.source, 'Bucket', ns, 'assets');
  await env.apply({
    apiVersion: ApiVersions.source,
    kind: 'Bucket',
    metadata: { name: 'assets', namespace: ns },
    spec: {
      bucketName: 'assets',
      endpoint: s3.endpoint,
      insecure: true,
      secretRef: { name: 's3-keys' },
      interval: '1h',
    },
  } as KubeObject);
  await env.apply(kustomization(ns, 'assets', 'assets', { sourceRef: { kind: 'Bucket', name: 'assets' } }));
  await env.waitForReady(ksRef(ns, 'assets'));
  assert.equal(await configMapValue('from-bucket'), 'one');
  const firstRevision =
    ((await env.get(bucketRef))?.status?.['artifact'] as { revision?: string } | undefined)?.revision ?? '';
  assert.match(firstRevision, /^sha256:/);

  const url = await receiver('bucket-events', 'generic', [{ kind: 'Bucket', name: 'assets' }]);
  await s3.put('assets', { 'cm.yaml': configMap('from-bucket', 'two') });
  assert.equal((await fetch(url, { method: 'POST', body: '{}' })).status, 200);
  const moved = await env.waitFor(
    'the Bucket at a new revision',
    async () => {
      const o = await env.get(bucketRef);
      const revision = (o?.status?.['artifact'] as { revision?: string } | undefined)?.revision;
      return revision && revision !== firstRevision ? revision : undefined;
    },
    30_000,
  );
  await env.waitForReady(ksRef(ns, 'assets'), { messageIncludes: moved }, 30_000);
  assert.equal(await configMapValue('from-bucket'), 'two');
});
