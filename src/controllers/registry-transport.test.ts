// The one registry transport of OCIRepository and ImageRepository: which settings give a custom client,
// and the messages of each bad Secret (stand-in client: Secrets and a ServiceAccount in memory).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeClient } from '../kube/client.ts';
import { proxyUrl, readProxyUrl } from './proxy-secret.ts';
import { registryAccess, type RegistryAccessOptions, type RegistrySpec } from './registry-transport.ts';

function fakeClient(objects: Record<string, Record<string, unknown>>): KubeClient {
  return {
    get: (ref: { kind: string; name: string }) => {
      const o = objects[`${ref.kind}/${ref.name}`];
      if (!o) return Promise.resolve(undefined);
      if (ref.kind !== 'Secret') return Promise.resolve(o);
      const data = Object.fromEntries(
        Object.entries(o).map(([k, v]) => [k, Buffer.from(String(v)).toString('base64')]),
      );
      return Promise.resolve({ apiVersion: 'v1', kind: 'Secret', metadata: { name: ref.name }, data });
    },
  } as unknown as KubeClient;
}

const opts: RegistryAccessOptions = {
  registry: 'registry.example:5000',
  target: 'oci://registry.example:5000/app',
  fail: (detail) => new Error(`FAIL ${detail}`),
};

const dockerConfig = JSON.stringify({
  auths: { 'registry.example:5000': { username: 'u', password: 'p-secret' } },
});

const access = (spec: RegistrySpec, objects: Record<string, Record<string, unknown>> = {}, extra = {}) =>
  registryAccess(fakeClient(objects), 'apps', spec, { ...opts, ...extra });

void test('no setting: anonymous, the global fetch; insecure skips the certificate check only where allowed', async () => {
  assert.deepEqual(await access({}), {});
  assert.deepEqual(await access({ insecure: true }), {});
  assert.equal(typeof (await access({ insecure: true }, {}, { insecureSkipsVerify: true })).fetch, 'function');
});

void test('pull secrets: secretRef first, then the service account; missing ones are named', async () => {
  const objects = { 'Secret/pull': { '.dockerconfigjson': dockerConfig }, 'ServiceAccount/sa': {} };
  const got = await access({ secretRef: { name: 'pull' } }, objects);
  assert.deepEqual(got.credentials, { username: 'u', password: 'p-secret' });
  await assert.rejects(access({ serviceAccountName: 'ghost' }), {
    message:
      "FAIL failed to get credential: service account 'apps/ghost' referenced by spec.serviceAccountName not found",
  });
  await assert.rejects(
    access({ secretRef: { name: 'absent' } }),
    /failed to get secret 'apps\/absent' referenced by spec.secretRef/,
  );
});

void test('certSecretRef and proxySecretRef: a custom client, or a failure naming the Secret, never the password', async () => {
  const objects = {
    'Secret/tls': { 'ca.crt': '-----BEGIN CERTIFICATE-----\n' },
    'Secret/proxy': { address: 'http://127.0.0.1:3128', username: 'me', password: 'pw-314' },
    'Secret/no-address': { username: 'me', password: 'pw-314' },
    'Secret/https-proxy': { address: 'https://127.0.0.1:3128', password: 'pw-314' },
  };
  assert.equal(typeof (await access({ proxySecretRef: { name: 'proxy' } }, objects)).fetch, 'function');
  await assert.rejects(access({ certSecretRef: { name: 'absent' } }, objects), {
    message: `FAIL failed to generate transport for '${opts.target}': failed to get TLS config: failed to get secret 'apps/absent': secrets "absent" not found`,
  });
  for (const [name, why] of [
    ['absent', `failed to get secret 'apps/absent': secrets "absent" not found`],
    ['no-address', "secret 'apps/no-address': key 'address' not found"],
    ['https-proxy', "secret 'apps/https-proxy': only http:// proxy addresses are supported, not https://"],
  ] as const) {
    await assert.rejects(access({ proxySecretRef: { name } }, objects), (err: Error) => {
      assert.equal(err.message, `FAIL failed to get proxy address: ${why}`);
      assert.doesNotMatch(err.message, /pw-314/);
      return true;
    });
  }
});

void test('the proxy URL carries percent-encoded credentials', async () => {
  assert.equal(
    proxyUrl({ address: 'http://proxy:3128', username: 'a@b', password: 'p:w/x' }, 'ns/p'),
    'http://a%40b:p%3Aw%2Fx@proxy:3128/',
  );
  assert.equal(proxyUrl({ address: 'http://proxy:3128' }, 'ns/p'), 'http://proxy:3128/');
  const client = fakeClient({ 'Secret/p': { address: 'http://10.0.0.1:8080', username: 'u' } });
  assert.equal(await readProxyUrl(client, 'ns', 'p'), 'http://u@10.0.0.1:8080/');
});
