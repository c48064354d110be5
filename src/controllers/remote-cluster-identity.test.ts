// spec.kubeConfig.configMapRef with the generic provider: the ConfigMap's keys, Flux's address rules and
// audience default, the ServiceAccount rules (existence, the ObjectLevelWorkloadIdentity gate, the
// controller's own token), and the messages and reasons of failures, against an in-memory API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { KubeClient } from '../kube/client.ts';
import { ReconcileFailure } from '../runtime/reconcile/failure.ts';
import {
  genericClusterConfig,
  genericClusterToken,
  parseClusterAddress,
  serviceAccountOfToken,
} from './remote-cluster-identity.ts';
import { RemoteClusters } from './remote-cluster.ts';

const jwt = (claims: Record<string, unknown>): string =>
  ['{"alg":"none"}', JSON.stringify(claims), ''].map((p) => Buffer.from(p).toString('base64url')).join('.');

/** An API with ConfigMaps and ServiceAccounts; TokenRequests are recorded and answered. */
function fakeApi() {
  const configMaps = new Map<string, Record<string, string>>();
  const serviceAccounts = new Set<string>();
  const requests: { path: string; audiences: string[] }[] = [];
  const client = {
    get: (ref: { kind: string; namespace: string; name: string }) => {
      const key = `${ref.namespace}/${ref.name}`;
      if (ref.kind === 'ConfigMap') {
        const data = configMaps.get(key);
        return Promise.resolve(data ? { metadata: ref, data } : undefined);
      }
      return Promise.resolve(serviceAccounts.has(key) ? { metadata: ref } : undefined);
    },
    path: (ref: { namespace: string; name: string }, sub: string) =>
      Promise.resolve(`/api/v1/namespaces/${ref.namespace}/serviceaccounts/${ref.name}/${sub}`),
    transport: {
      send: (req: { path: string; body: { spec: { audiences: string[] } } }) => {
        requests.push({ path: req.path, audiences: req.body.spec.audiences });
        return Promise.resolve({
          status: {
            token: `tok-${requests.length}`,
            expirationTimestamp: new Date(Date.now() + 3600_000).toISOString(),
          },
        });
      },
    },
  } as unknown as KubeClient;
  return { client, configMaps, serviceAccounts, requests };
}

void test('cluster addresses as Flux parses them: https added, https only, port 443 by default, host lowercased', () => {
  assert.equal(parseClusterAddress('Kube.Example:6443'), 'https://kube.example:6443');
  assert.equal(parseClusterAddress('https://kube.example'), 'https://kube.example:443');
  assert.throws(
    () => parseClusterAddress('http://kube.example'),
    /the Kubernetes API server address 'http:\/\/kube.example' must use https scheme/,
  );
  assert.throws(() => genericClusterConfig({ provider: 'generic' }), /^Error: cluster address is required/);
  assert.throws(
    () => genericClusterConfig({ address: 'http://x' }),
    /^Error: failed to parse cluster address http:\/\/x: the Kubernetes API server address/,
  );
});

void test('the generic ConfigMap: audiences one a line, else the address as written; ca.crt and serviceAccountName', () => {
  assert.deepEqual(genericClusterConfig({ address: 'https://127.0.0.1:6443' }), {
    address: 'https://127.0.0.1:6443',
    audiences: ['https://127.0.0.1:6443'],
  });
  assert.deepEqual(
    genericClusterConfig({
      address: '10.0.0.1',
      audiences: ' a \n\nb\n',
      'ca.crt': 'PEM',
      serviceAccountName: 'deployer',
    }),
    { address: 'https://10.0.0.1:443', audiences: ['a', 'b'], caData: 'PEM', serviceAccountName: 'deployer' },
  );
  // An empty serviceAccountName is unset, as Flux reads it.
  assert.equal(genericClusterConfig({ address: 'x', serviceAccountName: '' }).serviceAccountName, undefined);
});

void test('a ConfigMap serviceAccountName: must exist, needs the gate, then its token for the audiences', async () => {
  const api = fakeApi();
  const cfg = genericClusterConfig({ address: 'https://k:6443', audiences: 'aud', serviceAccountName: 'sa' });
  await assert.rejects(
    genericClusterToken({ client: api.client, objectLevelWorkloadIdentity: true }, 'team', cfg),
    /^Error: failed to get access token for cluster: failed to get service account 'team\/sa': serviceaccounts "sa" not found$/,
  );
  api.serviceAccounts.add('team/sa');
  await assert.rejects(
    genericClusterToken({ client: api.client, objectLevelWorkloadIdentity: false }, 'team', cfg),
    /^Error: failed to get access token for cluster: ObjectLevelWorkloadIdentity feature gate is not enabled$/,
  );
  assert.equal(api.requests.length, 0);
  const issued = await genericClusterToken({ client: api.client, objectLevelWorkloadIdentity: true }, 'team', cfg);
  assert.equal(issued?.token, 'tok-1');
  assert.deepEqual(api.requests, [{ path: '/api/v1/namespaces/team/serviceaccounts/sa/token', audiences: ['aud'] }]);
  // Reuse: checked, nothing minted.
  assert.equal(
    await genericClusterToken({ client: api.client, objectLevelWorkloadIdentity: true }, 'team', cfg, true),
    undefined,
  );
  assert.equal(api.requests.length, 1);
});

void test('--default-kubeconfig-service-account: used when the ConfigMap names none; missing is the lockdown message', async () => {
  const api = fakeApi();
  const o = { client: api.client, objectLevelWorkloadIdentity: true, defaultServiceAccount: 'tenant' };
  await assert.rejects(
    genericClusterToken(o, 'team', genericClusterConfig({ address: 'https://k:6443' })),
    /^Error: failed to get access token for cluster: failed to get service account 'team\/tenant': the specified default service account does not exist in the object namespace\. your cluster is subject to multi-tenant workload identity lockdown/,
  );
  api.serviceAccounts.add('team/tenant');
  api.serviceAccounts.add('team/own');
  await genericClusterToken(o, 'team', genericClusterConfig({ address: 'https://k:6443' }));
  await genericClusterToken(o, 'team', genericClusterConfig({ address: 'https://k:6443', serviceAccountName: 'own' }));
  assert.deepEqual(
    api.requests.map((r) => r.path),
    ['/api/v1/namespaces/team/serviceaccounts/tenant/token', '/api/v1/namespaces/team/serviceaccounts/own/token'],
  );
});

void test("without serviceAccountName: the controller's own ServiceAccount, named by its mounted token", async () => {
  const api = fakeApi();
  const dir = await mkdtemp(path.join(tmpdir(), 'driftless-wi-'));
  const file = path.join(dir, 'token');
  const cfg = genericClusterConfig({ address: 'https://k:6443' });
  await assert.rejects(
    genericClusterToken(
      { client: api.client, objectLevelWorkloadIdentity: false, controllerTokenFile: file },
      'team',
      cfg,
    ),
    (err: Error) =>
      err.message.startsWith(
        `failed to get access token for cluster: failed to create provider access token for the controller: failed to read service account token file ${file}: `,
      ),
  );
  await writeFile(file, jwt({ sub: 'system:serviceaccount:flux-system:driftless' }));
  const issued = await genericClusterToken(
    { client: api.client, objectLevelWorkloadIdentity: false, controllerTokenFile: file },
    'team',
    cfg,
  );
  assert.equal(issued?.token, 'tok-1');
  assert.deepEqual(api.requests, [
    { path: '/api/v1/namespaces/flux-system/serviceaccounts/driftless/token', audiences: ['https://k:6443'] },
  ]);
  assert.throws(
    () => serviceAccountOfToken(jwt({ sub: 'alice' })),
    /invalid subject format in service account token: alice/,
  );
});

void test('clusterFor with configMapRef: Flux messages, cloud providers NotSupported, a token reused until due', async () => {
  const api = fakeApi();
  const clusters = new RemoteClusters(api.client, { reason: 'RESTClientError', objectLevelWorkloadIdentity: true });
  const owner = { metadata: { namespace: 'team' }, spec: { kubeConfig: { configMapRef: { name: 'kc' } } } };
  const failsWith = (reason: string, message: string, stalled = false) =>
    assert.rejects(clusters.clusterFor(owner), (err: unknown) => {
      assert.ok(err instanceof ReconcileFailure);
      assert.equal(err.reason, reason);
      assert.equal(err.message, message);
      assert.equal(err.stalled, stalled);
      return true;
    });
  await failsWith('RESTClientError', 'failed to get configmap team/kc: configmaps "kc" not found');
  assert.equal(await clusters.kubeConfigExists(owner), false);
  api.configMaps.set('team/kc', { provider: 'aws', cluster: 'arn:aws:eks:eu-west-1:1:cluster/x' });
  await failsWith(
    'NotSupported',
    "spec.kubeConfig.configMapRef provider 'aws' (ConfigMap team/kc) is not supported by Driftless yet: use provider 'generic' with a ServiceAccount token the cluster trusts, or spec.kubeConfig.secretRef",
    true,
  );
  api.configMaps.set('team/kc', { provider: 'oracle' });
  await failsWith('RESTClientError', "provider 'oracle' not implemented");
  api.configMaps.set('team/kc', { provider: 'generic', address: 'https://k:6443', serviceAccountName: 'sa' });
  await failsWith(
    'RESTClientError',
    `failed to get access token for cluster: failed to get service account 'team/sa': serviceaccounts "sa" not found`,
  );
  api.serviceAccounts.add('team/sa');
  const first = await clusters.clusterFor(owner);
  assert.equal(first?.server, 'https://k:6443');
  assert.match(first?.kubeConfig ?? '', /"token":"tok-1"/);
  assert.equal(await clusters.clusterFor(owner), first, 'reused while the token is fresh');
  assert.equal(api.requests.length, 1);
  // The ServiceAccount is checked on every call, even with a fresh token.
  api.serviceAccounts.delete('team/sa');
  await failsWith(
    'RESTClientError',
    `failed to get access token for cluster: failed to get service account 'team/sa': serviceaccounts "sa" not found`,
  );
  api.serviceAccounts.add('team/sa');
  // A changed ConfigMap is a new cluster with a new token.
  api.configMaps.set('team/kc', {
    provider: 'generic',
    address: 'https://k:6443',
    serviceAccountName: 'sa',
    audiences: 'x',
  });
  const changed = await clusters.clusterFor(owner);
  assert.notEqual(changed, first);
  assert.deepEqual(api.requests[1]?.audiences, ['x']);
  assert.equal(await clusters.kubeConfigExists(owner), true);
});
