// spec.kubeConfig: which Secret key holds the kubeconfig (as Flux), what a kubeconfig from a Secret may
// not do (exec plugins, host files, skipping TLS verification), and the reasons and messages of failures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse, stringify } from 'yaml';
import type { Kustomization } from '../api/kustomization.ts';
import type { KubeClient } from '../kube/client.ts';
import { ReconcileFailure } from '../runtime/reconcile/failure.ts';
import {
  kubeConfigFromSecret,
  minimalKubeConfig,
  parseRemoteKubeConfig,
  RemoteClusters,
  shownServer,
} from './remote-cluster.ts';

const kubeconfig = (cluster: Record<string, unknown>, user: Record<string, unknown> = { token: 'tok-123456' }) =>
  stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'remote', cluster: { server: 'https://10.0.0.9:6443', ...cluster } }],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'c', context: { cluster: 'remote', user: 'u' } }],
    'current-context': 'c',
  });

void test('the kubeconfig key: spec key when set, else value, else value.yaml, with Flux messages', () => {
  assert.equal(kubeConfigFromSecret({ value: 'a', 'value.yaml': 'b', custom: 'c' }, 'ns/kc', 'custom'), 'c');
  assert.equal(kubeConfigFromSecret({ value: 'a', 'value.yaml': 'b' }, 'ns/kc', undefined), 'a');
  assert.equal(kubeConfigFromSecret({ 'value.yaml': 'b' }, 'ns/kc', undefined), 'b');
  assert.throws(
    () => kubeConfigFromSecret({ value: 'a' }, 'ns/kc', 'custom'),
    /^Error: KubeConfig secret 'ns\/kc' does not contain a 'custom' key with a kubeconfig$/,
  );
  assert.throws(
    () => kubeConfigFromSecret({ other: 'a' }, 'ns/kc', undefined),
    /^Error: KubeConfig secret 'ns\/kc' does not contain a 'value' key with a kubeconfig$/,
  );
});

void test('a kubeconfig from a Secret: plugins and host files refused, TLS verification never skipped', () => {
  const ok = parseRemoteKubeConfig(kubeconfig({ 'certificate-authority-data': 'Y2E=' }));
  assert.equal(ok.server, 'https://10.0.0.9:6443');
  assert.throws(
    () =>
      parseRemoteKubeConfig(kubeconfig({}, { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'sh' } })),
    /exec or auth-provider credential plugin, which is not allowed/,
  );
  assert.throws(
    () => parseRemoteKubeConfig(kubeconfig({ 'certificate-authority': '/etc/ca.crt' }, { 'client-key': '/root/key' })),
    /refers to files \(certificate-authority, client-key\); inline them as certificate-authority-data, client-key-data/,
  );
  const insecure = parseRemoteKubeConfig(kubeconfig({ 'insecure-skip-tls-verify': true }));
  assert.equal(insecure.kubeConfig.getCurrentCluster()?.skipTLSVerify, false);
  assert.throws(() => parseRemoteKubeConfig('clusters: []\n'), /no current context with a cluster server address/);
});

void test('server addresses are shown without credentials', () => {
  assert.equal(shownServer('https://admin:secret@10.0.0.9:6443/'), 'https://10.0.0.9:6443');
  assert.equal(shownServer('https://k8s.example/prefix?token=x'), 'https://k8s.example/prefix');
});

void test('clusterFor: none without kubeConfig; a missing Secret or key is ReconciliationFailed; clients are reused', async () => {
  const secrets = new Map<string, Record<string, string>>();
  const admin = {
    get: (ref: { namespace: string; name: string }) => {
      const data = secrets.get(`${ref.namespace}/${ref.name}`);
      if (!data) return Promise.resolve(undefined);
      const encoded = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
      return Promise.resolve({ apiVersion: 'v1', kind: 'Secret', metadata: ref, data: encoded });
    },
  } as unknown as KubeClient;
  const clusters = new RemoteClusters(admin);
  const ks = (kubeConfig?: Kustomization['spec']['kubeConfig']): Kustomization => ({
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name: 'app', namespace: 'team' },
    spec: {
      interval: '1m',
      prune: true,
      sourceRef: { kind: 'GitRepository', name: 'repo' },
      ...(kubeConfig ? { kubeConfig } : {}),
    },
  });
  assert.equal(await clusters.clusterFor(ks()), undefined);
  const failsWith = async (k: Kustomization, message: string) =>
    assert.rejects(clusters.clusterFor(k), (err: unknown) => {
      assert.ok(err instanceof ReconcileFailure);
      assert.equal(err.reason, 'ReconciliationFailed');
      assert.equal(err.message, message);
      return true;
    });
  await failsWith(
    ks({ secretRef: { name: 'kc' } }),
    `unable to read KubeConfig secret 'team/kc' error: secrets "kc" not found`,
  );
  secrets.set('team/kc', { other: 'x' });
  await failsWith(
    ks({ secretRef: { name: 'kc' } }),
    `KubeConfig secret 'team/kc' does not contain a 'value' key with a kubeconfig`,
  );
  secrets.set('team/kc', { 'value.yaml': kubeconfig({}, { exec: { command: 'sh' } }) });
  await failsWith(
    ks({ secretRef: { name: 'kc' } }),
    `invalid kubeconfig in secret 'team/kc': the kubeconfig uses an exec or auth-provider credential plugin, which is not allowed; use a token or client certificate`,
  );
  secrets.set('team/kc', { 'value.yaml': kubeconfig({}) });
  const first = await clusters.clusterFor(ks({ secretRef: { name: 'kc' } }));
  assert.equal(first?.server, 'https://10.0.0.9:6443');
  assert.equal(await clusters.clusterFor(ks({ secretRef: { name: 'kc' } })), first);
  secrets.set('team/kc', { 'value.yaml': kubeconfig({ server: 'https://10.0.0.10:6443' }) });
  const changed = await clusters.clusterFor(ks({ secretRef: { name: 'kc' } }));
  assert.notEqual(changed, first);
  assert.equal(changed?.server, 'https://10.0.0.10:6443');
});

void test('the kubeconfig handed to helm: the current context only, no TLS skip, nothing it would read from the host', () => {
  const text = stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'remote',
        cluster: {
          server: 'https://10.0.0.9:6443',
          'certificate-authority-data': 'Y2E=',
          'insecure-skip-tls-verify': true,
        },
      },
      { name: 'other', cluster: { server: 'https://10.0.0.1:6443' } },
    ],
    users: [
      { name: 'u', user: { token: 'tok-123456', 'token-file': '/var/run/secrets/token' } },
      { name: 'plugin', user: { exec: { command: 'sh' } } },
    ],
    contexts: [
      { name: 'c', context: { cluster: 'remote', user: 'u' } },
      { name: 'p', context: { cluster: 'other', user: 'plugin' } },
    ],
    'current-context': 'c',
  });
  const out = parse(minimalKubeConfig(parseRemoteKubeConfig(text).kubeConfig)) as Record<string, unknown>;
  assert.deepEqual(out, {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'remote', cluster: { server: 'https://10.0.0.9:6443', 'certificate-authority-data': 'Y2E=' } }],
    users: [{ name: 'remote', user: { token: 'tok-123456' } }],
    contexts: [{ name: 'remote', context: { cluster: 'remote', user: 'remote' } }],
    'current-context': 'remote',
  });
});

void test('clusterFor with a caller reason (helm-controller RESTClientError); kubeConfigExists', async () => {
  const admin = { get: () => Promise.resolve(undefined) } as unknown as KubeClient;
  const clusters = new RemoteClusters(admin, {
    reason: 'RESTClientError',
    readError: (secret, detail) => `could not get KubeConfig secret '${secret}': ${detail}`,
  });
  const owner = { metadata: { namespace: 'team' }, spec: { kubeConfig: { secretRef: { name: 'kc' } } } };
  await assert.rejects(clusters.clusterFor(owner), (err: unknown) => {
    assert.ok(err instanceof ReconcileFailure);
    assert.equal(err.reason, 'RESTClientError');
    assert.equal(err.message, `could not get KubeConfig secret 'team/kc': secrets "kc" not found`);
    return true;
  });
  assert.equal(await clusters.kubeConfigExists(owner), false);
  assert.equal(await clusters.kubeConfigExists({ metadata: {}, spec: {} }), true);
});
