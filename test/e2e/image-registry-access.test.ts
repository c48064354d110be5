// How an ImageRepository reaches its registry, end to end with real registries (distribution v3):
// spec.certSecretRef (HTTPS with a test CA and a client certificate the registry requires),
// spec.proxySecretRef (a forward proxy that must see the scan), spec.serviceAccountName (the pull secret
// among the service account's imagePullSecrets), and spec.accessFrom (an ImagePolicy of another namespace
// is allowed by its namespace's labels, refused without them, and refused under --no-cross-namespace-refs).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/kube/types.ts';
import { startTestProxy } from '../../src/notify/providers/test-proxy.ts';
import { ref, startTestEnv, type TestEnv } from '../support/env.ts';
import { imageApiVersion, pushTags, type Obj } from '../support/images.ts';
import { startTestRegistry, type TestRegistry } from '../support/oci-registry.ts';

const ns = 'imgaccess';
const USER = 'img-bot';
const PASSWORD = 'image-access-password-0815';
let env: TestEnv;
let plain: TestRegistry;
let locked: TestRegistry;

before(async () => {
  env = await startTestEnv();
  [plain, locked] = await Promise.all([
    startTestRegistry(),
    startTestRegistry({ auth: { username: USER, password: PASSWORD } }),
  ]);
  await env.namespace(ns);
  await pushTags(plain, 'apps/web', ['1.0.0', '1.1.0']);
  await pushTags(locked, 'apps/web', ['2.0.0'], { credentials: { username: USER, password: PASSWORD } });
});
after(async () => {
  await Promise.all([plain?.stop(), locked?.stop()]);
  await env?.stop();
});

const repoRef = (name: string, namespace = ns) => ref(imageApiVersion, 'ImageRepository', namespace, name);
const imageRepository = (name: string, image: string, spec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: imageApiVersion,
  kind: 'ImageRepository',
  metadata: { name, namespace: ns },
  spec: { image, interval: '10m', ...spec },
});
const secret = (name: string, stringData: Record<string, string>, type?: string): KubeObject =>
  ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: ns },
    stringData,
    ...(type ? { type } : {}),
  }) as KubeObject;
const tagCount = (o: Obj | undefined) => (o?.status?.['lastScanResult'] as { tagCount?: number } | undefined)?.tagCount;

void test('spec.certSecretRef: a registry on HTTPS with a test CA and required client certificates is scanned with ca.crt, tls.crt and tls.key; without them it fails', async () => {
  const tls = await startTestRegistry({ tls: { requireClientCert: true }, storageDir: plain.storageDir });
  try {
    const certs = tls.tls!;
    await env.apply(
      secret('registry-tls', { 'ca.crt': certs.caCert, 'tls.crt': certs.clientCert, 'tls.key': certs.clientKey }),
    );
    await env.apply(secret('registry-ca-only', { 'ca.crt': certs.caCert }));
    await env.apply(imageRepository('tls', `${tls.host}/apps/web`, { certSecretRef: { name: 'registry-tls' } }));
    const ok = (await env.waitForReady(repoRef('tls'), { status: 'True' })) as Obj;
    assert.equal(tagCount(ok), 2);
    // The CA alone: the registry wants a client certificate.
    await env.apply(
      imageRepository('tls-no-client', `${tls.host}/apps/web`, { certSecretRef: { name: 'registry-ca-only' } }),
    );
    await env.waitForReady(repoRef('tls-no-client'), { status: 'False', reason: 'ReadOperationFailed' });
    // No certSecretRef: HTTPS fails on the untrusted test CA, and the loopback fallback to plain HTTP is refused.
    await env.apply(imageRepository('tls-untrusted', `${tls.host}/apps/web`));
    await env.waitForReady(repoRef('tls-untrusted'), { status: 'False', reason: 'ReadOperationFailed' });
    await env.apply(imageRepository('tls-missing', `${tls.host}/apps/web`, { certSecretRef: { name: 'nope' } }));
    await env.waitForReady(repoRef('tls-missing'), {
      status: 'False',
      reason: 'AuthenticationFailed',
      messageIncludes: `failed to get secret '${ns}/nope': secrets "nope" not found`,
    });
  } finally {
    await tls.stop();
  }
});

void test('spec.proxySecretRef: the scan goes through the proxy with its credentials; a proxy Secret without address is refused', async (t) => {
  const proxy = await startTestProxy(t);
  await env.apply(
    secret('registry-proxy', {
      address: proxy.url.replace(/\/\/[^@]+@/, '//'),
      username: 'alice',
      password: 's3cret!',
    }),
  );
  await env.apply(imageRepository('proxied', `${plain.host}/apps/web`, { proxySecretRef: { name: 'registry-proxy' } }));
  const ok = (await env.waitForReady(repoRef('proxied'), { status: 'True' })) as Obj;
  assert.equal(tagCount(ok), 2);
  const seen = proxy.log.filter((e) => e.target.includes(`${plain.host}`));
  assert.ok(
    seen.some((e) => /\/v2\/apps\/web\/tags\/list/.test(e.target)),
    JSON.stringify(proxy.log),
  );
  assert.ok(seen.every((e) => e.auth === `Basic ${Buffer.from('alice:s3cret!').toString('base64')}`));
  await env.apply(secret('proxy-no-address', { username: 'alice' }));
  await env.apply(
    imageRepository('proxy-bad', `${plain.host}/apps/web`, { proxySecretRef: { name: 'proxy-no-address' } }),
  );
  await env.waitForReady(repoRef('proxy-bad'), {
    status: 'False',
    reason: 'AuthenticationFailed',
    messageIncludes: "key 'address' not found",
  });
});

void test("spec.serviceAccountName: the pull secret comes from the service account's imagePullSecrets; a missing account is named", async () => {
  const auth = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
  await env.apply(
    secret(
      'pull-secret',
      { '.dockerconfigjson': JSON.stringify({ auths: { [locked.host]: { auth } } }) },
      'kubernetes.io/dockerconfigjson',
    ),
  );
  await env.apply({
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: 'puller', namespace: ns },
    imagePullSecrets: [{ name: 'pull-secret' }],
  } as KubeObject);
  await env.apply(imageRepository('via-sa', `${locked.host}/apps/web`, { serviceAccountName: 'puller' }));
  const ok = (await env.waitForReady(repoRef('via-sa'), { status: 'True' })) as Obj;
  assert.equal(tagCount(ok), 1);
  await env.apply(imageRepository('no-sa', `${locked.host}/apps/web`, { serviceAccountName: 'ghost' }));
  await env.waitForReady(repoRef('no-sa'), {
    status: 'False',
    reason: 'AuthenticationFailed',
    messageIncludes: `service account '${ns}/ghost' referenced by spec.serviceAccountName not found`,
  });
});

void test('spec.accessFrom: an ImagePolicy of another namespace uses the ImageRepository when its namespace labels match; else AccessDenied', async () => {
  await env.apply(
    imageRepository('shared', `${plain.host}/apps/web`, {
      accessFrom: { namespaceSelectors: [{ matchLabels: { images: 'allowed' } }] },
    }),
  );
  await env.apply(imageRepository('private', `${plain.host}/apps/web`));
  await env.waitForReady(repoRef('shared'), { status: 'True' });
  await env.waitForReady(repoRef('private'), { status: 'True' });
  for (const [name, labels] of [
    ['tenant-a', { images: 'allowed' }],
    ['tenant-b', { images: 'no' }],
  ] as const)
    await env.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
  const policy = (namespace: string, name: string, repo: string): KubeObject => ({
    apiVersion: imageApiVersion,
    kind: 'ImagePolicy',
    metadata: { name, namespace },
    spec: { imageRepositoryRef: { name: repo, namespace: ns }, policy: { semver: { range: '1.x' } } },
  });
  await env.apply(policy('tenant-a', 'web', 'shared'));
  const ok = (await env.waitForReady(ref(imageApiVersion, 'ImagePolicy', 'tenant-a', 'web'), {
    status: 'True',
  })) as Obj;
  assert.deepEqual(ok.status?.['latestRef'], { name: `${plain.host}/apps/web`, tag: '1.1.0' });
  await env.apply(policy('tenant-b', 'web', 'shared'));
  await env.waitForReady(ref(imageApiVersion, 'ImagePolicy', 'tenant-b', 'web'), {
    status: 'False',
    reason: 'AccessDenied',
    messageIncludes: `access denied: '${ns}/shared' can't be accessed due to ACL labels mismatch on namespace 'tenant-b'`,
  });
  await env.apply(policy('tenant-a', 'private', 'private'));
  await env.waitForReady(ref(imageApiVersion, 'ImagePolicy', 'tenant-a', 'private'), {
    status: 'False',
    reason: 'AccessDenied',
    messageIncludes: `access denied: '${ns}/private' can't be accessed due to missing ACL labels on 'accessFrom'`,
  });
  // --no-cross-namespace-refs: an engine started with it refuses even the allowed reference.
  await env.engine!.stop();
  env.engine = await env.startEngine({ noCrossNamespaceRefs: true });
  await env.waitForReady(ref(imageApiVersion, 'ImagePolicy', 'tenant-a', 'web'), {
    status: 'False',
    reason: 'AccessDenied',
    messageIncludes: `cannot access 'ImageRepository/${ns}/shared', cross-namespace references have been blocked`,
  });
});
