// `driftless install` on the real control plane: the manager's RBAC (kubectl auth can-i as its service
// account, with and without the cluster-admin binding), a Pod of its Deployment admitted under PodSecurity
// `restricted`, and an upgrade to the next version's manifests that keeps every object and the leader Lease.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { install } from '../../src/install/install.ts';
import { installManifests } from '../../src/install/manifests.ts';
import type { KubeObject } from '../../src/kube/types.ts';
import { startDriftless, type DriftlessProcess } from '../support/driftless-process.ts';
import { startTestEnv, type TestEnv } from '../support/env.ts';
import { testBinDir } from '../support/oci-registry.ts';

const run = promisify(execFile);
const ns = 'driftless-install';
let env: TestEnv;
let manager: DriftlessProcess | undefined;

before(async () => {
  env = await startTestEnv({ engine: false });
});
after(async () => {
  manager?.kill();
  await env?.stop();
});

/** `kubectl auth can-i` as the manager's service account: true for yes, false for no. */
async function canI(verb: string, resource: string, namespace?: string): Promise<boolean> {
  const args = [
    '--kubeconfig',
    env.kubeconfigPath,
    'auth',
    'can-i',
    verb,
    resource,
    `--as=system:serviceaccount:${ns}:driftless`,
  ];
  if (namespace) args.push('-n', namespace);
  else args.push('--all-namespaces');
  try {
    await run(path.join(testBinDir(), 'kubectl'), args);
    return true;
  } catch (err) {
    const e = err as { code?: number; stdout?: string };
    if (e.code === 1 && e.stdout?.trim() === 'no') return false;
    throw err;
  }
}

const allowed: [string, string, string?][] = [
  ['list', 'kustomizations.kustomize.toolkit.fluxcd.io'],
  ['patch', 'gitrepositories.source.toolkit.fluxcd.io', 'apps'],
  ['update', 'helmreleases.helm.toolkit.fluxcd.io/status', 'apps'],
  ['watch', 'fluxinstances.fluxcd.controlplane.io'],
  ['create', 'events', 'apps'],
  ['get', 'secrets', 'apps'],
  ['list', 'configmaps'],
  ['impersonate', 'serviceaccounts', 'apps'],
  ['create', 'leases.coordination.k8s.io', ns],
  ['get', 'deployments.apps', ns],
  ['list', 'nodes'],
  ['list', 'customresourcedefinitions.apiextensions.k8s.io'],
  // The dashboard's bearer tokens and its action checks.
  ['create', 'tokenreviews.authentication.k8s.io'],
  ['create', 'subjectaccessreviews.authorization.k8s.io'],
];
const refused: [string, string, string?][] = [
  ['create', 'deployments.apps', 'apps'],
  ['create', 'secrets', 'apps'],
  ['delete', 'namespaces'],
  ['delete', 'nodes'],
  ['impersonate', 'groups'],
  ['impersonate', 'users'],
  ['create', 'leases.coordination.k8s.io', 'apps'],
  ['create', 'clusterrolebindings.rbac.authorization.k8s.io'],
  ['escalate', 'clusterroles.rbac.authorization.k8s.io'],
  ['delete', 'customresourcedefinitions.apiextensions.k8s.io'],
];

test('without the cluster-admin binding the manager may do what it needs and nothing more', async () => {
  await install(env.client, { namespace: ns, version: '0.1.0', clusterReconciler: false });
  for (const [verb, resource, where] of allowed)
    assert.equal(await canI(verb, resource, where), true, `${verb} ${resource} ${where ?? '(all namespaces)'}`);
  for (const [verb, resource, where] of refused)
    assert.equal(await canI(verb, resource, where), false, `${verb} ${resource} ${where ?? '(all namespaces)'}`);
});

test('with the cluster-admin binding (the default, as Flux) it may apply any object', async () => {
  await install(env.client, { namespace: ns, version: '0.1.0' });
  assert.equal(await canI('create', 'deployments.apps', 'apps'), true);
});

test('a Pod of the Deployment is admitted under PodSecurity restricted; without its securityContext it is not', async () => {
  await env.apply({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'pss-restricted', labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } },
  });
  const deployment = installManifests({ namespace: ns }).find((o) => o.kind === 'Deployment') as KubeObject & {
    spec: { template: { spec: { containers: Record<string, unknown>[]; securityContext?: unknown } } };
  };
  const pod = (spec: unknown) =>
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'driftless', namespace: 'pss-restricted' },
      spec,
    });
  const create = (body: string) =>
    new Promise<{ ok: boolean; stderr: string }>((resolve) => {
      const child = execFile(
        path.join(testBinDir(), 'kubectl'),
        ['--kubeconfig', env.kubeconfigPath, 'create', '--dry-run=server', '-f', '-'],
        (err, _stdout, stderr) => resolve({ ok: !err, stderr }),
      );
      child.stdin?.end(body);
    });
  const admitted = await create(pod({ ...deployment.spec.template.spec, serviceAccountName: 'default' }));
  assert.ok(admitted.ok, admitted.stderr);
  const bare = {
    ...deployment.spec.template.spec,
    serviceAccountName: 'default',
    securityContext: {},
    containers: deployment.spec.template.spec.containers.map((c) => ({ ...c, securityContext: {} })),
  };
  const rejected = await create(pod(bare));
  assert.equal(rejected.ok, false);
  assert.match(rejected.stderr, /violates PodSecurity "restricted/);
});

test('upgrading to the next version keeps every object (same uid) and the leader Lease', async () => {
  manager = await startDriftless({
    kubeconfig: env.kubeconfigPath,
    identity: 'install-test-leader',
    storageRoot: env.tmp,
    args: ['--enable-leader-election', `--leader-election-namespace=${ns}`, '--controllers=source'],
  });
  const leaseOf = async () =>
    (await env.client.list('coordination.k8s.io/v1', 'Lease', { namespace: ns })).items.find(
      (l) => (l as KubeObject & { spec?: { holderIdentity?: string } }).spec?.holderIdentity === 'install-test-leader',
    );
  const lease = await env.waitFor(() => `the manager to hold a Lease in ${ns}: ${manager?.stderr()}`, leaseOf);
  const before = installManifests({ namespace: ns, version: '0.1.0' });
  const uids = new Map<string, string | undefined>();
  for (const o of before) uids.set(`${o.kind}/${o.metadata.name}`, (await env.get(refOf(o)))?.metadata.uid);
  await install(env.client, { namespace: ns, version: '0.2.0', image: 'driftless:0.2.0' });
  for (const o of installManifests({ namespace: ns, version: '0.2.0' })) {
    const now = await env.get(refOf(o));
    assert.ok(now, `${o.kind}/${o.metadata.name} exists after the upgrade`);
    assert.equal(now.metadata.uid, uids.get(`${o.kind}/${o.metadata.name}`), `${o.kind}/${o.metadata.name} kept`);
  }
  const deployment = (await env.get({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    namespace: ns,
    name: 'driftless',
  })) as (KubeObject & { spec: { template: { spec: { containers: { image: string }[] } } } }) | undefined;
  assert.equal(deployment?.spec.template.spec.containers[0]?.image, 'driftless:0.2.0');
  assert.equal(deployment?.metadata.labels?.['app.kubernetes.io/version'], '0.2.0');
  const after = await leaseOf();
  assert.equal(after?.metadata.uid, lease.metadata.uid);
  assert.equal(manager.proc.exitCode, null, 'the leader still runs');
});

const refOf = (o: KubeObject) => ({
  apiVersion: o.apiVersion,
  kind: o.kind,
  name: o.metadata.name,
  ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}),
});
