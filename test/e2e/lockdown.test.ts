// Multi-tenancy lockdown as Flux's: one `driftless run` process started with the flags a Flux lockdown patch
// gives (Go-style booleans, RUNTIME_NAMESPACE from the Pod) — --watch-all-namespaces=false,
// --no-cross-namespace-refs=true, --default-service-account, --no-remote-bases=true — all at once.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiVersions } from '../../src/api/constants.ts';
import { gitRepository, ksRef, kustomization, startTestEnv, type TestEnv } from '../support/env.ts';
import { configMapsOnlyServiceAccount } from '../support/rbac.ts';
import { runDriftlessToExit, startDriftless, type DriftlessProcess } from '../support/driftless-process.ts';

let env: TestEnv;
let driftless: DriftlessProcess;
const runtime = 'lock-runtime';
const other = 'lock-other';
const cm = (name: string, ns: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${ns}\ndata:\n  a: b\n`;

before(async () => {
  env = await startTestEnv({ engine: false });
  await env.namespace(runtime);
  await env.namespace(other);
  // The default service account may change ConfigMaps in the runtime namespace, nothing else.
  await configMapsOnlyServiceAccount(env, runtime, 'tenant', 'tenant-configmaps');
  const url = await env.createRepo('lockdown', {
    'allowed/cm.yaml': cm('allowed', runtime),
    'denied/sa.yaml': `apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sneaky\n  namespace: ${runtime}\n`,
    'remote/kustomization.yaml': `resources:\n- ${env.git.repoUrl('lockdown')}//allowed?ref=main\n`,
    'other/cm.yaml': cm('outside', other),
  });
  await env.apply(gitRepository(runtime, 'repo', url));
  await env.apply(gitRepository(other, 'repo', url));
  // Objects outside the runtime namespace exist before the process starts: a watch of every namespace
  // would list them at once, together with the runtime namespace's.
  await env.apply(kustomization(other, 'outside', 'repo', { path: './other' }));
  await env.apply(kustomization(runtime, 'allowed', 'repo', { path: './allowed' }));
  await env.apply(kustomization(runtime, 'denied', 'repo', { path: './denied' }));
  await env.apply(kustomization(runtime, 'remote', 'repo', { path: './remote' }));
  await env.apply(
    kustomization(runtime, 'cross', 'repo', {
      path: './allowed',
      sourceRef: { kind: 'GitRepository', name: 'repo', namespace: other },
    }),
  );
  driftless = await startDriftless({
    kubeconfig: env.kubeconfigPath,
    identity: 'lockdown',
    storageRoot: env.tmp,
    env: { RUNTIME_NAMESPACE: runtime },
    args: [
      '--watch-all-namespaces=false',
      '--no-cross-namespace-refs=true',
      '--default-service-account=tenant',
      '--no-remote-bases=true',
      '--enable-leader-election=false',
      '--controllers=source,kustomize',
    ],
  });
});
after(async () => {
  driftless?.kill();
  await env?.stop();
});

test('the default service account is impersonated when spec.serviceAccountName is empty', async () => {
  await env.waitForReady(ksRef(runtime, 'allowed'), {}, 90_000);
  assert.ok(await env.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: runtime, name: 'allowed' }));
  const denied = await env.waitForReady(ksRef(runtime, 'denied'), { status: 'False', reason: 'ReconciliationFailed' });
  const message = denied.status?.conditions?.find((c) => c.type === 'Ready')?.message ?? '';
  assert.match(message, /system:serviceaccount:lock-runtime:tenant/);
  assert.equal(
    await env.get({ apiVersion: 'v1', kind: 'ServiceAccount', namespace: runtime, name: 'sneaky' }),
    undefined,
  );
});

test('a source in another namespace is refused (AccessDenied), and remote bases are refused (BuildFailed)', async () => {
  const cross = await env.waitForReady(ksRef(runtime, 'cross'), { status: 'False', reason: 'AccessDenied' });
  assert.match(
    cross.status?.conditions?.find((c) => c.type === 'Ready')?.message ?? '',
    /cross-namespace references have been blocked/,
  );
  const remote = await env.waitForReady(ksRef(runtime, 'remote'), { status: 'False', reason: 'BuildFailed' });
  assert.match(
    remote.status?.conditions?.find((c) => c.type === 'Ready')?.message ?? '',
    /remote bases are not allowed/,
  );
});

test('objects outside the runtime namespace are not watched: never reconciled', async () => {
  // Every runtime-namespace object has been reconciled by now (the tests above waited for them).
  await env.waitForReady(ksRef(runtime, 'allowed'));
  const outside = await env.get(ksRef(other, 'outside'));
  assert.ok(outside);
  assert.equal(outside.status?.conditions, undefined, 'no status written outside the runtime namespace');
  assert.deepEqual(outside.metadata.finalizers ?? [], []);
  const repo = await env.get({ apiVersion: ApiVersions.source, kind: 'GitRepository', namespace: other, name: 'repo' });
  assert.equal(repo?.status?.conditions, undefined);
  assert.equal(await env.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: other, name: 'outside' }), undefined);
  assert.doesNotMatch(driftless.stderr(), /unknown option/);
});

test('a Flux flag Driftless does not implement stops the start, named, with what to do', () => {
  const r = runDriftlessToExit([
    '--kubeconfig',
    env.kubeconfigPath,
    '--sops-age-secret=sops-age',
    '--concurrent-ssa',
    '8',
  ]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /--sops-age-secret: /);
  assert.match(r.stderr, /--concurrent-ssa: /);
});
