// A Provider and its Secrets become one notifier configuration, with Flux's precedence rules.
// Stand-in client serving Secrets; no cluster, no network.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ProviderObject } from '../api/notification.ts';
import type { KubeClient } from '../kube/client.ts';
import { CommitStatusMemo } from '../notify/providers/commit-status-memo.ts';
import { ProviderConfigError, providerConfig } from './provider-config.ts';

const b64 = (data: Record<string, string>) =>
  Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
const secrets: Record<string, Record<string, string>> = {
  creds: b64({ token: 'tok', password: 'pw', headers: 'X-Team: shop\n' }),
  'creds-with-address': b64({ address: 'https://from-secret.example/hook', username: 'secret-user' }),
  certs: b64({ 'ca.crt': 'CA', 'tls.crt': 'CERT', 'tls.key': 'KEY' }),
  proxy: b64({ address: 'http://proxy.example:3128', username: 'p', password: 'q' }),
};
const client = {
  get: (ref: { kind: string; name: string }) =>
    Promise.resolve(ref.kind === 'Secret' && secrets[ref.name] ? { data: secrets[ref.name] } : undefined),
} as unknown as KubeClient;
const extra = { statusMemo: new CommitStatusMemo(), observer: { sent() {}, failed() {}, retried() {}, skipped() {} } };
const provider = (spec: Partial<ProviderObject['spec']>): ProviderObject => ({
  apiVersion: 'notification.toolkit.fluxcd.io/v1beta3',
  kind: 'Provider',
  metadata: { name: 'chat', namespace: 'apps', uid: 'u-1' },
  spec: { type: 'slack', ...spec },
});

void test('spec fields: address, channel, username, timeout, proxy and commitStatusExpr are passed on', async () => {
  const cfg = await providerConfig(
    client,
    provider({
      type: 'github',
      address: 'https://github.example/org/repo',
      channel: 'ops',
      username: 'flux',
      timeout: '30s',
      proxy: 'http://spec-proxy.example:8080',
      commitStatusExpr: "event.involvedObject.name + '/' + provider.metadata.name",
    }),
    extra,
  );
  assert.equal(cfg.type, 'github');
  assert.equal(cfg.address, 'https://github.example/org/repo');
  assert.equal(cfg.channel, 'ops');
  assert.equal(cfg.username, 'flux');
  assert.equal(cfg.timeoutMs, 30_000);
  assert.equal(cfg.proxy, 'http://spec-proxy.example:8080/');
  assert.equal(cfg.commitStatusExpr, "event.involvedObject.name + '/' + provider.metadata.name");
  assert.equal(cfg.providerUid, 'u-1');
  assert.equal((await providerConfig(client, provider({}), extra)).timeoutMs, 15_000, "Flux's default timeout");
});

void test('secretRef: token, password and headers; its address and username win over the spec', async () => {
  const cfg = await providerConfig(client, provider({ secretRef: { name: 'creds' } }), extra);
  assert.deepEqual([cfg.token, cfg.password, cfg.headers], ['tok', 'pw', { 'X-Team': 'shop' }]);
  const overridden = await providerConfig(
    client,
    provider({ address: 'https://spec.example', username: 'spec-user', secretRef: { name: 'creds-with-address' } }),
    extra,
  );
  assert.equal(overridden.address, 'https://from-secret.example/hook');
  assert.equal(overridden.username, 'secret-user');
});

void test('certSecretRef gives the CA and the client pair; proxySecretRef the proxy with its credentials', async () => {
  const cfg = await providerConfig(
    client,
    provider({ certSecretRef: { name: 'certs' }, proxySecretRef: { name: 'proxy' }, proxy: 'http://ignored:1' }),
    extra,
  );
  assert.deepEqual([cfg.caCert, cfg.clientCert, cfg.clientKey], ['CA', 'CERT', 'KEY']);
  assert.equal(cfg.proxy, 'http://p:q@proxy.example:3128/');
});

void test('a missing Secret names the field and the Secret; an unknown type is refused by name', async () => {
  await assert.rejects(
    providerConfig(client, provider({ proxySecretRef: { name: 'absent' } }), extra),
    (err: unknown) =>
      err instanceof ProviderConfigError &&
      err.message ===
        "Provider/apps/chat: spec.proxySecretRef Secret 'apps/absent' not found; create it or remove the reference",
  );
  await assert.rejects(
    providerConfig(client, provider({ type: 'googlepubsub' }), extra),
    /spec\.type 'googlepubsub' is not supported by Driftless yet/,
  );
});
