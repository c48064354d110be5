// Kustomization spec.kubeConfig with two independent control planes: objects are applied, health-checked,
// pruned and garbage-collected in the cluster the kubeconfig Secret names, and never in the local one
// (which holds a same-named ConfigMap as a decoy); an unreachable cluster is reported by its address only.
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { KubeClient } from '../../src/kube/client.ts';
import { loadKubeConfig } from '../../src/kube/config.ts';
import type { KubeObject } from '../../src/kube/types.ts';
import { testControlPlane, type TestControlPlane } from '../support/control-plane.ts';
import { gitRepoRef, gitRepository, ksRef, kustomization, startTestEnv, type TestEnv } from '../support/env.ts';

let env: TestEnv;
let remote: TestControlPlane;
let remoteClient: KubeClient;
let remoteKubeconfig: string;
const ns = 'remote-src';
const appNs = 'remote-apps';
const cm = (name: string, value: string): string =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${appNs}\ndata:\n  value: "${value}"\n`;
const namespaceYaml = `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${appNs}\n`;
const cmRef = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace: appNs, name });
const valueOf = (obj: KubeObject | undefined): string | undefined =>
  (obj?.['data'] as { value?: string } | undefined)?.value;

before(async () => {
  env = await startTestEnv();
  // The second cluster: its own etcd, API server and ports, even when the first is a shared one.
  remote = await testControlPlane({ independent: true });
  remoteKubeconfig = await readFile(remote.kubeconfigPath, 'utf8');
  remoteClient = new KubeClient({ kubeConfig: loadKubeConfig(remote.kubeconfigPath) });
  await env.namespace(ns);
  // The decoy: the local cluster has the same namespace and a ConfigMap of the same name, not Driftless's.
  await env.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: appNs } });
  await env.apply({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'b', namespace: appNs },
    data: { value: 'local' },
  });
  await env.apply({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'remote-kubeconfig', namespace: ns },
    stringData: { 'value.yaml': remoteKubeconfig },
  });
  await env.createRepo('remote', { 'ns.yaml': namespaceYaml, 'a.yaml': cm('a', '1'), 'b.yaml': cm('b', 'remote') });
  await env.apply(gitRepository(ns, 'remote', env.git.repoUrl('remote'), { interval: '2s' }));
});
after(async () => {
  await env?.stop();
  await remote?.stop();
});

test('applied and health-checked in the cluster of spec.kubeConfig only', async () => {
  // wait: true health-checks every applied object; in the local cluster `a` does not exist, so this
  // only passes when the checks run in the remote cluster too.
  await env.apply(
    kustomization(ns, 'remote', 'remote', {
      interval: '2s',
      wait: true,
      kubeConfig: { secretRef: { name: 'remote-kubeconfig' } },
    }),
  );
  const repo = await env.waitForReady(gitRepoRef(ns, 'remote'));
  const revision = (repo.status?.['artifact'] as { revision: string }).revision;
  const ks = await env.waitForReady(ksRef(ns, 'remote'), { messageIncludes: revision });
  assert.equal(ks.status?.conditions?.find((c) => c.type === 'Healthy')?.status, 'True');
  const a = await remoteClient.get(cmRef('a'));
  assert.equal(valueOf(a), '1');
  assert.equal(a?.metadata.labels?.['kustomize.toolkit.fluxcd.io/name'], 'remote');
  assert.equal(valueOf(await remoteClient.get(cmRef('b'))), 'remote');
  // Nothing landed locally: no `a`, and the decoy `b` is untouched.
  assert.equal(await env.get(cmRef('a')), undefined);
  const decoy = await env.get(cmRef('b'));
  assert.equal(valueOf(decoy), 'local');
  assert.equal(decoy?.metadata.labels?.['kustomize.toolkit.fluxcd.io/name'], undefined);
});

test('a file removed from Git is pruned in the remote cluster; the local decoy stays', async () => {
  const sha = await env.commit('remote', { 'b.yaml': null }, 'drop b');
  await env.waitForReady(ksRef(ns, 'remote'), { messageIncludes: `main@sha1:${sha}` });
  await env.waitFor(
    'b to be pruned in the remote cluster',
    async () => (await remoteClient.get(cmRef('b'))) === undefined,
  );
  assert.equal(valueOf(await remoteClient.get(cmRef('a'))), '1');
  assert.equal(valueOf(await env.get(cmRef('b'))), 'local');
});

test('an unreachable cluster is Ready=False naming its address, never its credentials', async () => {
  const unreachable = remoteKubeconfig.replace(/server: https:\/\/127\.0\.0\.1:\d+/, 'server: https://127.0.0.1:1');
  assert.notEqual(unreachable, remoteKubeconfig);
  await env.apply({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'gone-kubeconfig', namespace: ns },
    stringData: { value: unreachable },
  });
  await env.apply(
    kustomization(ns, 'gone', 'remote', { interval: '1m', kubeConfig: { secretRef: { name: 'gone-kubeconfig' } } }),
  );
  const failed = await env.waitForReady(ksRef(ns, 'gone'), { status: 'False', reason: 'ReconciliationFailed' });
  const message = failed.status?.conditions?.find((c) => c.type === 'Ready')?.message ?? '';
  assert.match(message, /failed to reach the cluster at 'https:\/\/127\.0\.0\.1:1' of spec\.kubeConfig/);
  const keyData = /client-key-data: (\S+)/.exec(remoteKubeconfig)?.[1] ?? '';
  assert.ok(keyData.length > 20 && !message.includes(keyData.slice(0, 20)));
  await env.client.delete(ksRef(ns, 'gone'));
});

test('deleting the Kustomization garbage-collects in the remote cluster only', async () => {
  await env.client.delete(ksRef(ns, 'remote'));
  await env.waitFor('the Kustomization to be gone', async () => (await env.get(ksRef(ns, 'remote'))) === undefined);
  await env.waitFor(
    'a to be deleted in the remote cluster',
    async () => (await remoteClient.get(cmRef('a'))) === undefined,
  );
  assert.equal(valueOf(await env.get(cmRef('b'))), 'local');
});
