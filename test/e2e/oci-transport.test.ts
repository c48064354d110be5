// OCIRepository certSecretRef and proxySecretRef end to end: a real registry (distribution v3) serving HTTPS
// with a certificate of a test CA and requiring client certificates (mutual TLS), and a plain-HTTP registry
// reached through a forward proxy of the test's own (absolute-URI requests, CONNECT tunnels, Basic auth).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ApiVersions } from '../../src/api/constants.ts';
import type { Artifact } from '../../src/api/meta.ts';
import { startTestProxy, type TestProxy } from '../../src/devenv/http-proxy.ts';
import type { KubeObject } from '../../src/kube/types.ts';
import { RegistryClient } from '../../src/sources/oci/client.ts';
import { archiveForPush, pushArtifact } from '../../src/sources/oci/push.ts';
import { nodeFetch, type NodeFetch } from '../../src/util/http-transport.ts';
import { ksRef, kustomization, ref, startTestEnv, type TestEnv } from '../support/env.ts';
import { startTestRegistry, type TestRegistry } from '../support/oci-registry.ts';

const ns = 'oci-transport';
const PROXY = { username: 'proxy-user', password: 'proxy-e2e-password-314' };
let env: TestEnv;
let tlsRegistry: TestRegistry;
let plainRegistry: TestRegistry;
let proxy: TestProxy;
let pem: { ca: string; cert: string; key: string };
let tlsFetch: NodeFetch;

before(async () => {
  env = await startTestEnv();
  [tlsRegistry, plainRegistry, proxy] = await Promise.all([
    startTestRegistry({ tls: { requireClientCert: true } }),
    startTestRegistry(),
    startTestProxy(PROXY),
  ]);
  const t = tlsRegistry.tls!;
  pem = { ca: t.caCert, cert: t.clientCert, key: t.clientKey };
  tlsFetch = nodeFetch({ caCert: pem.ca, clientCert: pem.cert, clientKey: pem.key, stream: true });
  await env.namespace(ns);
  await env.apply(secret('registry-tls', { 'ca.crt': pem.ca, 'tls.crt': pem.cert, 'tls.key': pem.key }));
  await env.apply(secret('ca-only', { 'ca.crt': pem.ca }));
  await env.apply(secret('proxy', { address: proxy.url, ...PROXY }));
  await env.apply(secret('proxy-wrong', { address: proxy.url, username: PROXY.username, password: 'not-it-271' }));
  await env.apply(secret('proxy-no-address', { username: PROXY.username }));
});
after(async () => {
  await Promise.all([tlsRegistry?.stop(), plainRegistry?.stop(), proxy?.stop()]);
  await env?.stop();
});

function secret(name: string, stringData: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: ns }, stringData } as KubeObject;
}

function ociRepository(name: string, url: string, spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: ApiVersions.source,
    kind: 'OCIRepository',
    metadata: { name, namespace: ns },
    spec: { url, interval: '10m', ref: { tag: 'v1' }, ...spec },
  };
}

async function push(target: TestRegistry, repository: string, value: string, fetch?: NodeFetch): Promise<string> {
  const dir = await mkdtemp(path.join(env.tmp, 'oci-transport-src-'));
  await writeFile(
    path.join(dir, 'cm.yaml'),
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${repository.replace(/\W/g, '-')}\n  namespace: ${ns}\ndata:\n  value: ${value}\n`,
  );
  const client = new RegistryClient({ registry: target.host, repository, ...(fetch ? { fetch } : {}) });
  return (await pushArtifact({ client, tag: 'v1', layer: await archiveForPush(dir), meta: {} })).digest;
}

type Cond = { type: string; status: string; reason: string; message: string };
const readyOf = (o: KubeObject | undefined) =>
  (o?.status as { conditions?: Cond[] } | undefined)?.conditions?.find((c) => c.type === 'Ready');
const artifactOf = (o: KubeObject | undefined) => (o?.status as { artifact?: Artifact } | undefined)?.artifact;

async function waitForReady(name: string, digest: string): Promise<KubeObject> {
  return env.waitFor(`${name} Ready at ${digest}`, async () => {
    const o = await env.get(ref(ApiVersions.source, 'OCIRepository', ns, name));
    return readyOf(o)?.status === 'True' && artifactOf(o)?.revision === `v1@${digest}` ? o : undefined;
  });
}

async function waitForFailure(name: string, reason: string): Promise<Cond> {
  return env.waitFor(`${name} Ready=False ${reason}`, async () => {
    const ready = readyOf(await env.get(ref(ApiVersions.source, 'OCIRepository', ns, name)));
    return ready?.status === 'False' && ready.reason === reason ? ready : undefined;
  });
}

void test('certSecretRef: a registry with a private CA and mutual TLS is pulled with ca.crt + tls.crt/tls.key and applied; without them it fails', async () => {
  const digest = await push(tlsRegistry, 'tls/app', 'over-mtls', tlsFetch);
  const url = `oci://${tlsRegistry.host}/tls/app`;
  await env.apply(ociRepository('tls-app', url, { certSecretRef: { name: 'registry-tls' } }));
  await waitForReady('tls-app', digest);
  await env.apply(kustomization(ns, 'tls-app', 'tls-app', { sourceRef: { kind: 'OCIRepository', name: 'tls-app' } }));
  await env.waitForReady(ksRef(ns, 'tls-app'));
  const cm = await env.get<KubeObject & { data?: Record<string, string> }>(ref('v1', 'ConfigMap', ns, 'tls-app'));
  assert.equal(cm?.data?.['value'], 'over-mtls');

  // No certSecretRef: the CA is unknown. The CA alone: the registry wants a client certificate.
  await env.apply(ociRepository('tls-no-ca', url));
  await env.apply(ociRepository('tls-ca-only', url, { certSecretRef: { name: 'ca-only' } }));
  for (const name of ['tls-no-ca', 'tls-ca-only']) {
    const failed = await waitForFailure(name, 'OCIArtifactPullFailed');
    assert.match(failed.message, /^failed to determine artifact digest: /, name);
  }
  await env.apply(ociRepository('tls-missing', url, { certSecretRef: { name: 'absent' } }));
  const missing = await waitForFailure('tls-missing', 'AuthenticationFailed');
  assert.equal(
    missing.message,
    `failed to generate transport for '${url}': failed to get TLS config: failed to get secret '${ns}/absent': secrets "absent" not found`,
  );
});

void test('proxySecretRef: every registry request goes through the proxy with its credentials; wrong ones fail without the password anywhere', async () => {
  const digest = await push(plainRegistry, 'proxied/app', 'via-proxy');
  const url = `oci://${plainRegistry.host}/proxied/app`;
  const seenBefore = proxy.requests.length;
  await env.apply(ociRepository('proxied', url, { proxySecretRef: { name: 'proxy' } }));
  await waitForReady('proxied', digest);
  const seen = proxy.requests.slice(seenBefore);
  assert.ok(
    seen.some(
      (r) => r.method === 'GET' && r.target.startsWith(`http://${plainRegistry.host}/v2/proxied/app/blobs/sha256:`),
    ),
    JSON.stringify(seen),
  );
  assert.ok(
    seen.every((r) => r.status !== 407),
    JSON.stringify(seen),
  );

  await env.apply(ociRepository('proxy-wrong', url, { proxySecretRef: { name: 'proxy-wrong' } }));
  const wrong = await waitForFailure('proxy-wrong', 'OCIArtifactPullFailed');
  assert.ok(!wrong.message.includes('not-it-271'), wrong.message);
  assert.ok(proxy.requests.some((r) => r.status === 407));

  await env.apply(ociRepository('proxy-no-address', url, { proxySecretRef: { name: 'proxy-no-address' } }));
  const noAddress = await waitForFailure('proxy-no-address', 'AuthenticationFailed');
  assert.equal(
    noAddress.message,
    `failed to get proxy address: secret '${ns}/proxy-no-address': key 'address' not found`,
  );
});

void test('certSecretRef and proxySecretRef together: the TLS registry through a CONNECT tunnel', async () => {
  const digest = await push(tlsRegistry, 'tls/tunnelled', 'tunnelled', tlsFetch);
  const seenBefore = proxy.requests.length;
  await env.apply(
    ociRepository('tunnelled', `oci://${tlsRegistry.host}/tls/tunnelled`, {
      certSecretRef: { name: 'registry-tls' },
      proxySecretRef: { name: 'proxy' },
    }),
  );
  await waitForReady('tunnelled', digest);
  // 'proxy-wrong' of the test before still retries through the same proxy (407s): look at this registry only.
  const seen = proxy.requests.slice(seenBefore);
  const tunnels = seen.filter((r) => r.method === 'CONNECT' && r.target === tlsRegistry.host);
  assert.ok(tunnels.length > 0 && tunnels.every((r) => r.status === 200), JSON.stringify(seen));
});
