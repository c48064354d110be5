// spec.kubeConfig.configMapRef (Flux's secret-less remote clusters) with the `generic` provider, against the
// real control plane reached as a "remote" cluster through the ConfigMap's address: the engine mints a token
// of the ConfigMap's ServiceAccount with the TokenRequest API for the ConfigMap's audiences and sends it as a
// bearer token, trusting `ca.crt` (the engine runs with Flux's ObjectLevelWorkloadIdentity gate on, which a
// ConfigMap serviceAccountName needs). A Kustomization and a HelmRelease apply through it; a wrong audience
// or a missing ServiceAccount is Ready=False with Flux's message and prunes nothing; a cloud provider is
// NotSupported.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiVersions } from '../../src/api/constants.ts';
import { loadKubeConfig } from '../../src/kube/config.ts';
import type { KubeObject, ObjectRef } from '../../src/kube/types.ts';
import { gitRepoRef, gitRepository, ksRef, kustomization, ref, startTestEnv, type TestEnv } from '../support/env.ts';

const ns = 'wi';
const appNs = 'wi-apps';
// What the control plane's API server accepts as a token audience (its --service-account-issuer).
const apiAudience = 'https://kubernetes.default.svc.cluster.local';

let env: TestEnv;
let address: string;
let caPem: string;

const cm = (name: string, value: string): string =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${appNs}\ndata:\n  value: "${value}"\n`;
const appCm = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace: appNs, name });
const hrRef = (name: string) => ref(ApiVersions.helm, 'HelmRelease', ns, name);
const readyOf = (o: KubeObject | undefined) =>
  (
    o?.['status'] as { conditions?: { type: string; status: string; reason: string; message: string }[] } | undefined
  )?.conditions?.find((c) => c.type === 'Ready');

/** The ConfigMap of spec.kubeConfig.configMapRef (`generic`), with `overrides` (null deletes a key). */
async function identityConfigMap(name: string, overrides: Record<string, string | null> = {}): Promise<void> {
  const data: Record<string, string> = {
    provider: 'generic',
    address,
    'ca.crt': caPem,
    audiences: apiAudience,
    serviceAccountName: 'deployer',
  };
  for (const [k, v] of Object.entries(overrides)) {
    if (v === null) delete data[k];
    else data[k] = v;
  }
  // Replaced whole, so a deleted key goes.
  await env.client.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name });
  await env.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data });
}

const requestReconcile = (r: ObjectRef) =>
  env.client.patch(r, {
    metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': `${Date.now()}-${Math.random()}` } },
  });

before(async () => {
  env = await startTestEnv({ config: { objectLevelWorkloadIdentity: true } });
  const cluster = loadKubeConfig(env.kubeconfigPath).getCurrentCluster();
  address = cluster?.server ?? '';
  caPem = Buffer.from(cluster?.caData ?? '', 'base64').toString('utf8');
  assert.match(address, /^https:\/\/127\.0\.0\.1:\d+$/);
  assert.match(caPem, /BEGIN CERTIFICATE/);
  await env.namespace(ns);
  await env.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: appNs } });
  // The identity the "remote" cluster grants: a ServiceAccount of the objects' namespace with RBAC there.
  await env.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'deployer', namespace: ns } });
  await env.apply({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: 'wi-deployer' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
    subjects: [{ kind: 'ServiceAccount', name: 'deployer', namespace: ns }],
  });
  await identityConfigMap('identity');
  await env.createRepo('wi', {
    'apps/a.yaml': cm('a', '1'),
    'apps/b.yaml': cm('b', '1'),
    'charts/app/Chart.yaml': 'apiVersion: v2\nname: app\nversion: 0.1.0\n',
    'charts/app/templates/cm.yaml':
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-config\ndata:\n  message: {{ .Values.message | quote }}\n',
  });
  await env.apply(gitRepository(ns, 'wi', env.git.repoUrl('wi')));
});
after(() => env?.stop());

test('a Kustomization and a HelmRelease apply through configMapRef with a ServiceAccount token', async () => {
  await env.apply(
    kustomization(ns, 'apps', 'wi', {
      path: './apps',
      prune: true,
      kubeConfig: { configMapRef: { name: 'identity' } },
    }),
  );
  await env.apply({
    apiVersion: ApiVersions.helm,
    kind: 'HelmRelease',
    metadata: { name: 'app', namespace: ns },
    spec: {
      interval: '10m',
      timeout: '2m',
      targetNamespace: appNs,
      releaseName: 'app',
      chart: { spec: { chart: './charts/app', sourceRef: { kind: 'GitRepository', name: 'wi' } } },
      values: { message: 'through a token' },
      kubeConfig: { configMapRef: { name: 'identity' } },
    },
  });
  const repo = await env.waitForReady(gitRepoRef(ns, 'wi'));
  const revision = (repo.status?.['artifact'] as { revision: string }).revision;
  await env.waitForReady(ksRef(ns, 'apps'), { messageIncludes: revision }, 120_000);
  assert.equal((await env.get(appCm('a')))?.metadata.labels?.['kustomize.toolkit.fluxcd.io/name'], 'apps');
  assert.ok(await env.get(appCm('b')));
  await env.waitForReady(hrRef('app'), { reason: 'InstallSucceeded' }, 180_000);
  const released = await env.get<KubeObject & { data?: { message?: string } }>(appCm('app-config'));
  assert.equal(released?.data?.message, 'through a token');
  // Helm's storage is in the cluster the token reaches (the same one here), in the storage namespace (the
  // HelmRelease's, by default).
  assert.ok(await env.get({ apiVersion: 'v1', kind: 'Secret', namespace: ns, name: 'sh.helm.release.v1.app.v1' }));
});

test('a wrong audience or a missing ServiceAccount: Ready=False with a clear message, nothing pruned', async () => {
  await identityConfigMap('identity', { audiences: 'wrong-audience' });
  // b leaves Git, but no prune may happen while the cluster cannot be reached.
  const sha = await env.commit('wi', { 'apps/b.yaml': null }, 'drop b');
  await requestReconcile(gitRepoRef(ns, 'wi'));
  await env.waitForReady(gitRepoRef(ns, 'wi'), { messageIncludes: sha });
  const ks = await env.waitFor('the Kustomization to fail on the new revision', async () => {
    const o = await env.get(ksRef(ns, 'apps'));
    const ready = readyOf(o);
    return ready?.status === 'False' && String(o?.status?.['lastAttemptedRevision']).includes(sha) ? o : undefined;
  });
  assert.equal(readyOf(ks)?.reason, 'ReconciliationFailed');
  assert.match(
    readyOf(ks)?.message ?? '',
    new RegExp(`^failed to reach the cluster at '${address}' of spec\\.kubeConfig: `),
  );
  assert.match(readyOf(ks)?.message ?? '', /Unauthorized/i);
  assert.ok(await env.get(appCm('b')), 'b is not pruned while the cluster cannot be reached');

  await requestReconcile(hrRef('app'));
  const hr = await env.waitForReady(hrRef('app'), { status: 'False', reason: 'RESTClientError' });
  assert.match(
    readyOf(hr)?.message ?? '',
    new RegExp(`failed to reach the cluster at '${address}'.*Unauthorized`, 'i'),
  );
  assert.ok(await env.get(appCm('app-config')), 'the release stays');

  await identityConfigMap('identity', { serviceAccountName: 'nobody' });
  await requestReconcile(ksRef(ns, 'apps'));
  const missing = await env.waitForReady(ksRef(ns, 'apps'), {
    status: 'False',
    reason: 'ReconciliationFailed',
    messageIncludes: 'nobody',
  });
  assert.equal(
    readyOf(missing)?.message,
    `failed to get access token for cluster: failed to get service account '${ns}/nobody': serviceaccounts "nobody" not found`,
  );
  assert.ok(await env.get(appCm('b')), 'still not pruned');

  // Put right: the new revision applies and b is pruned, in the cluster the token reaches.
  await identityConfigMap('identity');
  await requestReconcile(ksRef(ns, 'apps'));
  await env.waitForReady(ksRef(ns, 'apps'), { messageIncludes: sha }, 120_000);
  await env.waitFor('b to be pruned', async () => (await env.get(appCm('b'))) === undefined);
  await requestReconcile(hrRef('app'));
  await env.waitForReady(hrRef('app'), { status: 'True' }, 120_000);
});

test("the cluster authorizes the token's ServiceAccount, not the engine: a read-only one cannot apply", async () => {
  await env.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'reader', namespace: ns } });
  await env.apply({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: 'wi-reader' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
    subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: ns }],
  });
  await identityConfigMap('reader-identity', { serviceAccountName: 'reader' });
  await env.apply(
    kustomization(ns, 'read-only', 'wi', {
      path: './apps',
      kubeConfig: { configMapRef: { name: 'reader-identity' } },
    }),
  );
  const ks = await env.waitForReady(ksRef(ns, 'read-only'), { status: 'False', messageIncludes: 'forbidden' });
  assert.match(readyOf(ks)?.message ?? '', new RegExp(`system:serviceaccount:${ns}:reader`));
  assert.equal((await env.get(appCm('a')))?.metadata.labels?.['kustomize.toolkit.fluxcd.io/name'], 'apps');
});

test('a cloud provider in the ConfigMap is NotSupported naming the field and the provider', async () => {
  await env.apply({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'eks', namespace: ns },
    data: { provider: 'aws', cluster: 'arn:aws:eks:eu-central-1:123456789012:cluster/my-cluster' },
  });
  await env.apply(kustomization(ns, 'eks', 'wi', { path: './apps', kubeConfig: { configMapRef: { name: 'eks' } } }));
  const ks = await env.waitForReady(ksRef(ns, 'eks'), { status: 'False', reason: 'NotSupported' });
  assert.match(
    readyOf(ks)?.message ?? '',
    /^spec\.kubeConfig\.configMapRef provider 'aws' \(ConfigMap wi\/eks\) is not supported by Driftless yet: /,
  );
  assert.equal(
    (ks.status?.['conditions'] as { type: string; status: string }[]).find((c) => c.type === 'Stalled')?.status,
    'True',
  );
});
