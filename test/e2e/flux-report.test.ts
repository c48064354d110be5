// FluxReport and flux_resource_info against the real control plane: the report's fields one by one,
// requestedAt refreshes, the pause annotation, no write loops, errors surfaced, live metric series.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { FluxReport } from '../../src/api/flux-report.ts';
import { ComponentKinds } from '../../src/controllers/flux-report/components.ts';
import { runtimePlatform, driftlessVersion } from '../../src/controllers/flux-report/version.ts';
import type { KubeObject } from '../../src/kube/types.ts';
import { reconcileCount as engineReconcileCount } from '../support/engine-state.ts';
import { gitRepoRef, gitRepository, ksRef, kustomization, startTestEnv, type TestEnv } from '../support/env.ts';

const run = promisify(execFile);
const ns = 'flux-system';
const reportRef = { apiVersion: 'fluxcd.controlplane.io/v1', kind: 'FluxReport', namespace: ns, name: 'flux' };
const crdRef = (name: string) => ({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name });
let env: TestEnv;
let repoUrl: string;

const report = async (): Promise<FluxReport> => {
  const r = await env.client.get<FluxReport & KubeObject>(reportRef);
  assert.ok(r, 'FluxReport flux-system/flux exists');
  return r;
};
const readyOf = (r: FluxReport) => r.status?.conditions?.find((c) => c.type === 'Ready');
const annotate = (annotations: Record<string, string | null>) =>
  env.client.patch(reportRef, { metadata: { annotations } });
const handled = (token: string) =>
  env.waitFor(
    `lastHandledReconcileAt=${token}`,
    async () => ((await report()).status?.lastHandledReconcileAt === token ? report() : undefined),
    30_000,
  );

/** `flux_resource_info` series on /metrics, as label maps. */
async function resourceInfo(): Promise<Record<string, string>[]> {
  const text = await (await fetch(`${env.engine!.manager.metricsUrl}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('flux_resource_info{'))
    .map((line) => {
      assert.match(line, /\} 1$/, 'info series have value 1');
      return Object.fromEntries([...line.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]));
    });
}
const reconcileCount = (): Promise<number> => engineReconcileCount(env.engine!, 'fluxreport');

before(async () => {
  env = await startTestEnv();
  await env.namespace(ns);
  repoUrl = await env.createRepo('fleet', {
    'clusters/dev/cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fleet\n  namespace: ${ns}\ndata:\n  a: b\n`,
  });
  await env.apply(gitRepository(ns, 'flux-system', repoUrl));
  await env.apply(kustomization(ns, 'flux-system', 'flux-system', { path: './clusters/dev' }));
  await env.waitForReady(ksRef(ns, 'flux-system'));
});
after(() => env?.stop());

test('the report is created at start and describes the cluster field by field', async () => {
  const ks = await env.waitForReady(ksRef(ns, 'flux-system'));
  const repo = await env.waitForReady(gitRepoRef(ns, 'flux-system'));
  // The engine started before these objects existed; a request makes the report look again now.
  await annotate({ 'reconcile.fluxcd.io/requestedAt': 'e2e-1' });
  const r = await handled('e2e-1');
  const managed = (r as unknown as KubeObject).metadata.managedFields ?? [];
  assert.ok(
    managed.some((f) => f.manager === 'driftless' && f.operation === 'Apply'),
    'created by server-side apply',
  );

  const version = driftlessVersion();
  assert.match(version, /^v\d+\.\d+\.\d+/);
  assert.deepEqual(r.spec.distribution, {
    entitlement: 'Unknown',
    status: 'Installed',
    version,
    managedBy: 'driftless',
  });

  const server = await env.client.transport.send<{ gitVersion: string; platform: string }>({
    method: 'GET',
    path: '/version',
  });
  const nodes = await env.client.list('v1', 'Node');
  assert.ok(nodes.items.length > 0);
  assert.deepEqual(r.spec.cluster, {
    serverVersion: server.gitVersion,
    platform: server.platform,
    nodes: nodes.items.length,
  });

  assert.deepEqual(r.spec.operator, { apiVersion: 'fluxcd.controlplane.io/v1', version, platform: runtimePlatform() });

  const identity = (r.spec.components ?? [])[0]?.status.split(' in manager ')[1];
  assert.ok(identity);
  // One component per Flux controller the manager serves, each listing its kinds (sources: GitRepository,
  // OCIRepository, …), sorted by name as the Operator writes them.
  const expected = Object.entries(ComponentKinds)
    .map(([name, kinds]) => ({
      name,
      ready: true,
      status: `Current Reconciling ${kinds.map((k) => k.kind).join(', ')} in manager ${identity}`,
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
  assert.deepEqual(
    expected.map((c) => c.name),
    [
      'helm-controller',
      'image-automation-controller',
      'image-reflector-controller',
      'kustomize-controller',
      'notification-controller',
      'source-controller',
      'source-watcher',
    ],
  );
  assert.deepEqual(r.spec.components, expected);

  const reconcilers = r.spec.reconcilers ?? [];
  const keys = reconcilers.map((e) => e.apiVersion + e.kind);
  assert.deepEqual(keys, [...keys].sort(), 'sorted by apiVersion and kind');
  assert.ok(!reconcilers.some((e) => e.kind === 'FluxReport'));
  // The image kinds are counted like the others (none exist here).
  for (const kind of ['ImagePolicy', 'ImageRepository', 'ImageUpdateAutomation'])
    assert.deepEqual(
      reconcilers.find((e) => e.kind === kind),
      { apiVersion: 'image.toolkit.fluxcd.io/v1', kind, stats: { running: 0, failing: 0, suspended: 0 } },
      kind,
    );
  assert.deepEqual(
    reconcilers.find((e) => e.kind === 'Kustomization'),
    {
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      stats: { running: 1, failing: 0, suspended: 0 },
    },
  );
  const git = reconcilers.find((e) => e.kind === 'GitRepository');
  const size = (repo.status?.['artifact'] as { size?: number }).size ?? 0;
  assert.ok(size > 0 && size < 1024, `artifact size ${size}`);
  assert.deepEqual(git, {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'GitRepository',
    stats: { running: 1, failing: 0, suspended: 0, totalSize: `${size} B` },
  });

  assert.deepEqual(r.spec.sync, {
    id: 'kustomization/flux-system',
    path: './clusters/dev',
    ready: true,
    status: `Applied revision: ${String(ks.status?.['lastAppliedRevision'])}`,
    source: repoUrl,
  });

  const ready = readyOf(r);
  assert.equal(ready?.status, 'True');
  assert.equal(ready?.reason, 'ReconciliationSucceeded');
  assert.match(ready?.message ?? '', /^Reporting finished in \d+(\.\d+)?(µs|ms|s)$/);
  assert.equal(ready?.observedGeneration, r.metadata.generation);
});

test('kubectl shows the Flux Operator printer columns; a second report name is refused', async () => {
  const kubectl = join(homedir(), '.cache', 'driftless', 'bin', 'kubectl');
  const { stdout } = await run(kubectl, [
    '--kubeconfig',
    env.kubeconfigPath,
    '-n',
    ns,
    'get',
    'fluxreport',
    '-o',
    'wide',
  ]);
  const [header, row] = stdout.trim().split('\n');
  assert.deepEqual(header?.split(/\s{2,}/), ['NAME', 'ENTITLEMENT', 'AGE', 'READY', 'STATUS', 'LASTUPDATED']);
  assert.match(row ?? '', /^flux\s+Unknown\s+\S+\s+True\s+Reporting finished in \S+\s+\S+$/);
  await assert.rejects(
    env.client.apply(
      {
        apiVersion: reportRef.apiVersion,
        kind: reportRef.kind,
        metadata: { name: 'other', namespace: ns },
        spec: { distribution: { entitlement: 'Unknown', status: 'Unknown' } },
      },
      { fieldManager: 'e2e' },
    ),
    /the only accepted name is 'flux'/,
  );
});

test('requestedAt refreshes the report at once', async () => {
  const before = readyOf(await report());
  // Condition times have second precision: the refresh must fall in a later second to show a new time.
  const transitioned = Date.parse(before?.lastTransitionTime ?? '');
  assert.ok(Number.isFinite(transitioned), 'the report has a Ready transition time');
  await env.waitFor(
    'the clock to pass the second of the last Ready transition',
    async () => Date.now() >= transitioned + 1000,
  );
  await annotate({ 'reconcile.fluxcd.io/requestedAt': 'e2e-2' });
  const after = readyOf(await handled('e2e-2'));
  assert.notEqual(after?.lastTransitionTime, before?.lastTransitionTime);
  assert.match(after?.message ?? '', /^Reporting finished in /);
});

test('a reconcile that finds nothing new does not write (no write loop)', async () => {
  const count = await reconcileCount();
  const touched = await annotate({ 'e2e.driftless.dev/touch': '1' });
  await env.waitFor(
    'the report to be reconciled for the annotation change',
    async () => (await reconcileCount()) > count,
    30_000,
  );
  assert.equal((await report()).metadata.resourceVersion, touched.metadata.resourceVersion);
});

test('fluxcd.controlplane.io/reconcile: disabled pauses the report; enabled resumes it', async () => {
  const count0 = await reconcileCount();
  await annotate({ 'fluxcd.controlplane.io/reconcile': 'disabled' });
  await env.waitFor('the report to see the pause', async () => (await reconcileCount()) > count0, 30_000);
  const count = await reconcileCount();
  await annotate({ 'reconcile.fluxcd.io/requestedAt': 'e2e-3' });
  await env.waitFor('the paused report to be visited', async () => (await reconcileCount()) > count, 30_000);
  assert.equal((await report()).status?.lastHandledReconcileAt, 'e2e-2', 'not handled while paused');
  await annotate({ 'fluxcd.controlplane.io/reconcile': 'enabled' });
  await handled('e2e-3');
});

test('a part that cannot be computed turns Ready False with the reason and the error', async () => {
  // A labelled CRD whose stored version is not served: listing its objects fails.
  const name = 'widgets.example.com';
  await env.client.apply(
    {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name, labels: { 'app.kubernetes.io/part-of': 'flux' } },
      spec: {
        group: 'example.com',
        names: { kind: 'Widget', plural: 'widgets', singular: 'widget', listKind: 'WidgetList' },
        scope: 'Namespaced',
        versions: [
          {
            name: 'v1alpha1',
            served: true,
            storage: false,
            schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
          },
          {
            name: 'v1',
            served: false,
            storage: true,
            schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
          },
        ],
      },
    },
    { fieldManager: 'e2e' },
  );
  try {
    await env.waitFor('the CRD to record its stored version', async () =>
      (
        (await env.client.get(crdRef(name)))?.status as { storedVersions?: string[] } | undefined
      )?.storedVersions?.includes('v1'),
    );
    await annotate({ 'reconcile.fluxcd.io/requestedAt': 'e2e-4' });
    const failed = readyOf(await handled('e2e-4'));
    assert.equal(failed?.status, 'False');
    assert.equal(failed?.reason, 'ReconcilersReportFailed');
    assert.match(failed?.message ?? '', /spec\.reconcilers: listing Widget \(example\.com\/v1\): /);
    const r = await report();
    assert.ok(
      r.spec.reconcilers?.some((e) => e.kind === 'Kustomization'),
      'the other kinds are still reported',
    );
    await env.waitFor('a Warning event on the report', async () =>
      (await env.client.list('v1', 'Event', { namespace: ns })).items.some(
        (e) =>
          (e as { involvedObject?: { kind?: string }; reason?: string }).involvedObject?.kind === 'FluxReport' &&
          (e as { reason?: string }).reason === 'ReconcilersReportFailed',
      ),
    );
  } finally {
    await env.client.delete(crdRef(name));
  }
  await env.waitFor('the CRD to be gone', async () => (await env.client.get(crdRef(name))) === undefined);
  await annotate({ 'reconcile.fluxcd.io/requestedAt': 'e2e-5' });
  assert.equal(readyOf(await handled('e2e-5'))?.status, 'True');
});

test('flux_resource_info has a series per Flux object with the per-kind labels; deleted objects lose theirs', async () => {
  const ks = await env.waitForReady(ksRef(ns, 'flux-system'));
  const repo = await env.waitForReady(gitRepoRef(ns, 'flux-system'));
  const series = await resourceInfo();
  const ksSeries = series.find((s) => s['kind'] === 'Kustomization' && s['name'] === 'flux-system');
  assert.deepEqual(ksSeries, {
    uid: ks.metadata.uid,
    kind: 'Kustomization',
    name: 'flux-system',
    exported_namespace: ns,
    ready: 'True',
    reason: 'ReconciliationSucceeded',
    suspended: 'False',
    revision: ks.status?.['lastAttemptedRevision'],
    source_name: 'flux-system',
    path: './clusters/dev',
  });
  assert.deepEqual(
    series.find((s) => s['kind'] === 'GitRepository' && s['name'] === 'flux-system'),
    {
      uid: repo.metadata.uid,
      kind: 'GitRepository',
      name: 'flux-system',
      exported_namespace: ns,
      ready: 'True',
      reason: 'Succeeded',
      suspended: 'False',
      revision: (repo.status?.['artifact'] as { revision: string }).revision,
      url: repoUrl,
      ref: 'main',
    },
  );

  // Live updates, without waiting for the next report: a new object appears, a deleted one goes.
  await env.apply(kustomization(ns, 'extra', 'flux-system', { path: './clusters/dev', suspend: true }));
  await env.waitFor(
    'a series for the new Kustomization',
    async () => (await resourceInfo()).some((s) => s['name'] === 'extra' && s['suspended'] === 'True'),
    30_000,
  );
  await env.client.delete(ksRef(ns, 'extra'));
  await env.waitFor(
    'the series of the deleted Kustomization to go',
    async () => !(await resourceInfo()).some((s) => s['name'] === 'extra'),
    30_000,
  );

  await env.client.delete(ksRef(ns, 'flux-system'));
  await env.waitFor(
    'the Kustomization to be finalized',
    async () => (await env.get(ksRef(ns, 'flux-system'))) === undefined,
    30_000,
  );
  await env.waitFor(
    'its series to go',
    async () => !(await resourceInfo()).some((s) => s['kind'] === 'Kustomization' && s['name'] === 'flux-system'),
    30_000,
  );
  await annotate({ 'reconcile.fluxcd.io/requestedAt': 'e2e-6' });
  const r = await handled('e2e-6');
  assert.equal(r.spec.sync, undefined, 'no sync Kustomization, no spec.sync');
  assert.deepEqual(r.spec.reconcilers?.find((e) => e.kind === 'Kustomization')?.stats, {
    running: 0,
    failing: 0,
    suspended: 0,
  });
});
