// FluxInstance against the real control plane: the sync it creates and owns (patched, labelled, waited for),
// its status, events (`kubectl events --for fluxinstance/flux`), flux_instance_info, the FluxReport's sync,
// a refused component, pruning when the sync goes, a sync from an OCIRepository (a real registry) and from a
// Bucket (versitygw), the pause annotation, and deletion.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { FluxInstance } from '../../src/api/flux-instance.ts';
import type { FluxReport } from '../../src/api/flux-report.ts';
import { startS3Server, type S3Server } from '../../src/devenv/s3-server.ts';
import type { KubeObject, ObjectRef } from '../../src/kube/types.ts';
import { RegistryClient } from '../../src/sources/oci/client.ts';
import { archiveForPush, pushArtifact } from '../../src/sources/oci/push.ts';
import { gitRepoRef, ksRef, ref, startTestEnv, type TestEnv } from '../support/env.ts';
import { startTestRegistry, type TestRegistry } from '../support/oci-registry.ts';

const run = promisify(execFile);
const ns = 'flux-system';
const instanceRef = { apiVersion: 'fluxcd.controlplane.io/v1', kind: 'FluxInstance', namespace: ns, name: 'flux' };
const reportRef = { apiVersion: 'fluxcd.controlplane.io/v1', kind: 'FluxReport', namespace: ns, name: 'flux' };
const configMapRef = { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'fleet-config' };
const generated = [gitRepoRef(ns, 'flux-system'), ksRef(ns, 'flux-system')];
let env: TestEnv;
let repoUrl: string;
let registry: TestRegistry | undefined;
let s3: S3Server | undefined;

const patchInstance = (patch: unknown) => env.client.patch(instanceRef, patch, { type: 'merge' });
const gone = (what: string, refs: ObjectRef[]) =>
  env.waitFor(
    what,
    async () => (await Promise.all(refs.map((r) => env.client.get(r)))).every((o) => o === undefined),
    30_000,
  );

/** The `flux_instance_info` series on /metrics, as label maps. */
async function instanceInfo(): Promise<Record<string, string>[]> {
  const text = await (await fetch(`${env.engine!.manager.metricsUrl}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('flux_instance_info{'))
    .map((line) => {
      assert.match(line, /\} 1$/, 'info series have value 1');
      return Object.fromEntries([...line.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]));
    });
}

async function kubectl(...args: string[]): Promise<string> {
  const bin = join(homedir(), '.cache', 'driftless', 'bin', 'kubectl');
  return (await run(bin, ['--kubeconfig', env.kubeconfigPath, ...args])).stdout;
}

before(async () => {
  env = await startTestEnv();
  await env.namespace(ns);
  repoUrl = await env.createRepo('fleet', {
    'clusters/dev/cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fleet-config\n  namespace: ${ns}\ndata:\n  a: b\n`,
  });
});
after(async () => {
  await Promise.all([registry?.stop(), s3?.stop()]);
  await env?.stop();
});

const sync = () => ({
  kind: 'GitRepository',
  url: repoUrl,
  ref: 'refs/heads/main',
  path: 'clusters/dev',
  pullSecret: 'git-auth',
  interval: '1m',
});

test('the instance creates and owns the bootstrap sync, waits for it, and tells the story', async () => {
  await env.apply({
    apiVersion: instanceRef.apiVersion,
    kind: 'FluxInstance',
    metadata: { name: 'flux', namespace: ns },
    spec: {
      // No artifact, cluster type, domain or networkPolicy: Driftless refuses what it cannot honour (NotSupported).
      distribution: { version: '2.x', registry: 'ghcr.io/fluxcd' },
      components: ['source-controller', 'kustomize-controller'],
      cluster: { multitenant: false, networkPolicy: false },
      sync: sync(),
      commonMetadata: { labels: { team: 'platform' } },
      kustomize: {
        patches: [{ target: { kind: 'Kustomization' }, patch: '- op: add\n  path: /spec/timeout\n  value: 45s\n' }],
      },
    },
  });
  const ready = (await env.waitForReady(instanceRef, { reason: 'ReconciliationSucceeded' })) as unknown as FluxInstance;
  assert.match(
    ready.status?.conditions?.find((c) => c.type === 'Ready')?.message ?? '',
    /^Reconciliation finished in \S+$/,
  );
  const revision = ready.status?.lastAppliedRevision ?? '';
  assert.match(revision, /^2\.x@sha256:[0-9a-f]{64}$/);
  assert.equal(ready.status?.lastAttemptedRevision, revision);
  assert.deepEqual(ready.status?.inventory?.entries, [
    { id: 'flux-system_flux-system_kustomize.toolkit.fluxcd.io_Kustomization', v: 'v1' },
    { id: 'flux-system_flux-system_source.toolkit.fluxcd.io_GitRepository', v: 'v1' },
  ]);
  assert.equal(ready.status?.history?.[0]?.lastReconciledStatus, 'ReconciliationSucceeded');
  assert.deepEqual(ready.status?.history?.[0]?.metadata, { flux: '2.x' });
  assert.ok(ready.metadata.finalizers?.includes('fluxcd.controlplane.io/finalizer'));

  // spec.wait: both objects were Ready when the instance turned Ready, and the repository's objects are applied.
  const repo = await env.waitForReady(gitRepoRef(ns, 'flux-system'), {}, 1000);
  const ks = await env.waitForReady(ksRef(ns, 'flux-system'), {}, 1000);
  const pick = (o: KubeObject, keys: string[]) =>
    Object.fromEntries(keys.map((k) => [k, (o['spec'] as Record<string, unknown>)[k]]));
  assert.deepEqual(pick(repo, ['interval', 'ref', 'url', 'secretRef']), {
    interval: '1m',
    ref: { branch: 'main' },
    url: repoUrl,
    secretRef: { name: 'git-auth' },
  });
  assert.deepEqual(pick(ks, ['interval', 'path', 'prune', 'sourceRef', 'timeout']), {
    interval: '1m',
    path: 'clusters/dev',
    prune: true,
    sourceRef: { kind: 'GitRepository', name: 'flux-system' },
    timeout: '45s',
  });
  for (const obj of [repo, ks]) {
    assert.deepEqual(obj.metadata.labels, {
      'fluxcd.controlplane.io/name': 'flux',
      'fluxcd.controlplane.io/namespace': ns,
      team: 'platform',
    });
    assert.ok(obj.metadata.managedFields?.some((f) => f.manager === 'flux-operator' && f.operation === 'Apply'));
  }
  assert.ok(await env.client.get(configMapRef), 'the repository content is applied');

  const events = await kubectl('-n', ns, 'events', '--for', 'fluxinstance/flux');
  assert.match(events, /Progressing\s+FluxInstance\/flux\s+Installing revision 2\.x@sha256:/);
  assert.match(
    events,
    /Progressing\s+FluxInstance\/flux\s+(GitRepository|Kustomization)\/flux-system\/flux-system created/,
  );
  for (const kind of ['GitRepository', 'Kustomization'])
    assert.ok(events.includes(`${kind}/flux-system/flux-system created`), kind);
  assert.match(
    events,
    /ComponentCannotBeDisabled\s+FluxInstance\/flux\s+component notification-controller runs in this manager/,
  );
  assert.match(events, /ReconciliationSucceeded\s+FluxInstance\/flux\s+Reconciliation finished in/);

  assert.deepEqual(await instanceInfo(), [
    {
      uid: ready.metadata.uid ?? '',
      kind: 'FluxInstance',
      name: 'flux',
      exported_namespace: ns,
      ready: 'True',
      reason: 'ReconciliationSucceeded',
      suspended: 'False',
      registry: 'ghcr.io/fluxcd',
      revision,
    },
  ]);

  // Each reconcile asks the FluxReport to refresh; it then reports the instance's sync.
  const report = await env.waitFor(
    'the FluxReport to show the sync',
    async () => {
      const r = await env.client.get<FluxReport & KubeObject>(reportRef);
      return r?.spec.sync?.ready ? r : undefined;
    },
    30_000,
  );
  assert.deepEqual(report.spec.sync, {
    id: 'kustomization/flux-system',
    path: 'clusters/dev',
    ready: true,
    status: `Applied revision: ${String(ks.status?.['lastAppliedRevision'])}`,
    source: repoUrl,
  });
});

test('a field Driftless does not implement is refused by name; nothing is pruned', async () => {
  // Every Flux component is served now; platform sizing is one of the fields still refused.
  await patchInstance({ spec: { cluster: { size: 'large' } } });
  const failed = await env.waitForReady(instanceRef, { status: 'False', reason: 'NotSupported' }, 30_000);
  const message =
    'spec.cluster.size is not supported by Driftless yet: remove it and size the manager with `driftless run --concurrent`';
  assert.equal(failed.status?.conditions?.find((c) => c.type === 'Ready')?.message, message);
  assert.equal(failed.status?.conditions?.find((c) => c.type === 'Stalled')?.status, 'True');
  assert.ok(await env.client.get(gitRepoRef(ns, 'flux-system')), 'the sync is left as it was');
  assert.match(
    await kubectl('-n', ns, 'events', '--for', 'fluxinstance/flux', '--types', 'Warning'),
    /NotSupported\s+FluxInstance\/flux\s+spec\.cluster\.size is not supported/,
  );
  assert.deepEqual(
    (await instanceInfo()).map((s) => [s['ready'], s['reason']]),
    [['False', 'NotSupported']],
  );
  await assert.rejects(
    patchInstance({ spec: { sync: { name: 'renamed' } } }).then(() =>
      patchInstance({ spec: { sync: { name: 'again' } } }),
    ),
    /spec\.sync\.name is immutable/,
  );
  await patchInstance({ spec: { cluster: { size: null }, sync: { name: null } } });
  await env.waitForReady(instanceRef, { reason: 'ReconciliationSucceeded' }, 30_000);
});

test('removing spec.sync prunes the generated objects (and the sync prunes what it applied)', async () => {
  await patchInstance({ spec: { sync: null, kustomize: null } });
  await gone('the generated GitRepository and Kustomization to be deleted', generated);
  await gone('the ConfigMap the sync Kustomization applied to be pruned', [configMapRef]);
  const i = await env.waitForReady(instanceRef, { reason: 'ReconciliationSucceeded' }, 30_000);
  assert.deepEqual(i.status?.['inventory'], { entries: [] });
});

const fleetConfig = (from: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fleet-config\n  namespace: ${ns}\ndata:\n  from: ${from}\n`;
const fleetConfigFrom = async () =>
  ((await env.client.get(configMapRef))?.['data'] as { from?: string } | undefined)?.from;

test('sync.kind OCIRepository pulls the tag from a real registry; switching to a Bucket prunes it and syncs from versitygw', async () => {
  registry = await startTestRegistry();
  s3 = await startS3Server();
  const dir = await mkdtemp(join(env.tmp, 'instance-oci-'));
  await mkdir(join(dir, 'clusters', 'dev'), { recursive: true });
  await writeFile(join(dir, 'clusters', 'dev', 'cm.yaml'), fleetConfig('oci'));
  const client = new RegistryClient({ registry: registry.host, repository: 'fleet' });
  const { digest } = await pushArtifact({ client, tag: 'v1', layer: await archiveForPush(dir), meta: {} });
  const ociUrl = `oci://${registry.host}/fleet`;
  const ociRef = ref('source.toolkit.fluxcd.io/v1', 'OCIRepository', ns, 'flux-system');
  const bucketRef = ref('source.toolkit.fluxcd.io/v1', 'Bucket', ns, 'flux-system');

  await patchInstance({ spec: { sync: { kind: 'OCIRepository', url: ociUrl, ref: 'v1', path: 'clusters/dev' } } });
  await env.waitForReady(instanceRef, { reason: 'ReconciliationSucceeded' }, 60_000);
  const oci = await env.waitForReady(ociRef, {}, 1000);
  // provider and timeout are the CRD's defaults.
  assert.deepEqual(oci['spec'], {
    interval: '1m',
    ref: { tag: 'v1' },
    url: ociUrl,
    provider: 'generic',
    timeout: '60s',
  });
  assert.equal((oci.status?.['artifact'] as { revision?: string } | undefined)?.revision, `v1@${digest}`);
  const ks = await env.waitForReady(ksRef(ns, 'flux-system'), {}, 1000);
  assert.deepEqual((ks['spec'] as { sourceRef?: unknown }).sourceRef, { kind: 'OCIRepository', name: 'flux-system' });
  assert.equal(await fleetConfigFrom(), 'oci');
  await env.waitFor(
    'the FluxReport to show the OCI sync',
    async () => (await env.client.get<FluxReport & KubeObject>(reportRef))?.spec.sync?.source === ociUrl,
    30_000,
  );

  await s3.createBucket('fleet', { 'clusters/dev/cm.yaml': fleetConfig('bucket') });
  await env.apply({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'bucket-keys', namespace: ns },
    stringData: { accesskey: s3.accessKey, secretkey: s3.secretKey },
  } as KubeObject);
  // The sync has no field for a plain-HTTP endpoint: a patch adds spec.insecure, as with the Flux Operator.
  await patchInstance({
    spec: {
      sync: { kind: 'Bucket', url: s3.endpoint, ref: 'fleet', path: 'clusters/dev', pullSecret: 'bucket-keys' },
      kustomize: {
        patches: [{ target: { kind: 'Bucket' }, patch: '- op: add\n  path: /spec/insecure\n  value: true\n' }],
      },
    },
  });
  await gone('the OCIRepository of the previous sync to be pruned', [ociRef]);
  await env.waitForReady(instanceRef, { reason: 'ReconciliationSucceeded' }, 60_000);
  const bucket = await env.waitForReady(bucketRef, {}, 1000);
  assert.deepEqual(bucket['spec'], {
    interval: '1m',
    bucketName: 'fleet',
    endpoint: s3.endpoint,
    insecure: true,
    secretRef: { name: 'bucket-keys' },
    provider: 'generic',
    timeout: '60s',
  });
  await env.waitFor('the bucket content to be applied', async () => (await fleetConfigFrom()) === 'bucket', 30_000);

  await patchInstance({ spec: { sync: null, kustomize: null } });
  await gone('the Bucket sync to be pruned', [bucketRef, ksRef(ns, 'flux-system'), configMapRef]);
});

test('the pause annotation suspends the instance; deleting it removes the sync but keeps what the sync applied', async () => {
  await patchInstance({ spec: { sync: sync() } });
  await env.waitFor('the ConfigMap to be applied again', () => env.client.get(configMapRef), 30_000);
  await env.waitForReady(instanceRef, { reason: 'ReconciliationSucceeded' }, 30_000);

  await patchInstance({ metadata: { annotations: { 'fluxcd.controlplane.io/reconcile': 'disabled' } } });
  await env.waitFor(
    'flux_instance_info suspended="True"',
    async () => (await instanceInfo())[0]?.['suspended'] === 'True',
    15_000,
  );
  assert.match(
    await kubectl('-n', ns, 'events', '--for', 'fluxinstance/flux'),
    /ReconciliationDisabled\s+FluxInstance\/flux\s+Reconciliation is disabled/,
  );
  await patchInstance({ metadata: { annotations: { 'fluxcd.controlplane.io/reconcile': 'enabled' } } });
  await env.waitFor(
    'flux_instance_info suspended="False"',
    async () => (await instanceInfo())[0]?.['suspended'] === 'False',
    30_000,
  );

  await env.client.delete(instanceRef);
  await gone('the FluxInstance and its generated objects to be deleted', [instanceRef, ...generated]);
  assert.ok(
    await env.client.get(configMapRef),
    'workloads applied by the sync stay (as the Flux Operator uninstall leaves them)',
  );
  await env.waitFor('flux_instance_info to be removed', async () => (await instanceInfo()).length === 0, 10_000);
});
