// HelmRelease end to end against the real control plane: a directory chart of this test's making in a
// GitRepository, turned into a HelmChart (spec.chart template, and a hand-made HelmChart in spec.chartRef)
// by the HelmChart reconciler, released by the real helm v4 binary spawned as `helm-controller`. The real
// helm (v4 and v3) and flux CLIs read what Driftless did: helm list/history/get values, flux get/suspend/resume.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { access, constants, mkdir, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { ApiVersions } from '../../src/api/constants.ts';
import { decodeRelease, encodeRelease } from '../../src/helm/release-storage.ts';
import type { KubeObject } from '../../src/kube/types.ts';
import { gitRepository, ref, startTestEnv, type TestEnv } from '../support/env.ts';

const binDir = process.env['DRIFTLESS_TEST_BIN_DIR'] ?? path.join(homedir(), '.cache', 'driftless', 'bin');
const helmBin = path.join(binDir, 'helm');
const helm3Bin = path.join(binDir, 'helm3');
const fluxBin = path.join(binDir, 'flux');
const ns = 'hr-e2e';

let env: TestEnv;
let home: string;

// A chart of this test's own: one ConfigMap, a template that fails on request, an object the API
// server rejects on request (so that the upgrade stores a failed release to remediate), a cluster-scoped
// ClusterRole on request (`extra`), and a hook ConfigMap (never in status.inventory).
const chartFiles = {
  'charts/app/Chart.yaml': 'apiVersion: v2\nname: app\nversion: 0.1.0\nappVersion: "1.0.0"\n',
  'charts/app/values.yaml': 'message: hello\nfail: false\nbadName: false\nextra: false\n',
  'charts/app/templates/extra.yaml': [
    '{{- if .Values.extra }}',
    'apiVersion: rbac.authorization.k8s.io/v1',
    'kind: ClusterRole',
    'metadata:',
    '  name: {{ .Release.Namespace }}:{{ .Release.Name }}-reader',
    'rules: []',
    '{{- end }}',
    '',
  ].join('\n'),
  'charts/app/templates/hook.yaml': [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    '  name: {{ .Release.Name }}-hook',
    '  annotations:',
    '    helm.sh/hook: pre-install,pre-upgrade',
    '    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded',
    '',
  ].join('\n'),
  'charts/app/templates/cm.yaml': [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    '  name: {{ .Release.Name }}-config',
    'data:',
    '  message: {{ .Values.message | quote }}',
    '{{- if .Values.fail }}{{ fail "the chart was asked to fail" }}{{ end }}',
    '{{- if .Values.badName }}',
    '---',
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    '  name: Not_A_Valid_Name',
    '{{- end }}',
    '',
  ].join('\n'),
};

type Cond = { type: string; status: string; reason: string; message: string };
type HrStatus = {
  conditions?: Cond[];
  history?: Record<string, unknown>[];
  helmChart?: string;
  storageNamespace?: string;
  lastAttemptedRevision?: string;
  lastAttemptedConfigDigest?: string;
  lastAttemptedReleaseAction?: string;
  lastHandledReconcileAt?: string;
  upgradeFailures?: number;
  failures?: number;
  observedGeneration?: number;
  inventory?: { entries: { id: string; v: string }[] };
};

const hrRef = (name: string) => ref(ApiVersions.helm, 'HelmRelease', ns, name);
const helmRelease = (name: string, spec: Record<string, unknown>): KubeObject => ({
  apiVersion: ApiVersions.helm,
  kind: 'HelmRelease',
  metadata: { name, namespace: ns },
  spec: { interval: '10m', timeout: '2m', ...spec },
});
const chartTemplate = {
  spec: { chart: './charts/app', version: '*', sourceRef: { kind: 'GitRepository', name: 'charts' }, interval: '1m' },
};

const statusOf = async (name: string): Promise<HrStatus> =>
  ((await env.get(hrRef(name))) as unknown as { status?: HrStatus } | undefined)?.status ?? {};
const condition = (s: HrStatus, type: string): Cond | undefined => s.conditions?.find((c) => c.type === type);
const inventoryIds = (s: HrStatus): string[] => (s.inventory?.entries ?? []).map((e) => e.id).sort();

function run(bin: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(
      bin,
      args,
      { timeout: 60_000, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home } },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    ),
  );
}
async function ok(bin: string, args: string[]): Promise<string> {
  const res = await run(bin, args);
  assert.equal(res.code, 0, `${path.basename(bin)} ${args.join(' ')}:\n${res.stdout}\n${res.stderr}`);
  return res.stdout;
}
const helm = (args: string[], bin = helmBin): Promise<string> =>
  ok(bin, [...args, '--kubeconfig', env.kubeconfigPath, '--namespace', ns]);
const helmJson = async <T>(args: string[], bin = helmBin): Promise<T> =>
  JSON.parse(await helm([...args, '-o', 'json'], bin)) as T;
type ListedRelease = { name: string; revision: string; status: string; chart: string; app_version: string };
const listed = async (bin = helmBin): Promise<ListedRelease[]> => helmJson<ListedRelease[]>(['list'], bin);
const configMessage = async (name: string): Promise<string | undefined> =>
  (
    (await env.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name })) as unknown as
      { data?: { message?: string } } | undefined
  )?.data?.message;

async function events(name: string) {
  const list = await env.client.list('v1', 'Event', { namespace: ns });
  return (
    list.items as unknown as {
      reason?: string;
      type?: string;
      message?: string;
      involvedObject?: { name?: string; kind?: string };
      metadata: { annotations?: Record<string, string> };
    }[]
  ).filter((e) => e.involvedObject?.name === name && e.involvedObject.kind === 'HelmRelease');
}

const waitStatus = (
  name: string,
  what: string,
  check: (s: HrStatus) => boolean,
  timeoutMs = 120_000,
): Promise<HrStatus> => {
  let last: HrStatus = {};
  return env.waitFor(
    () => `HelmRelease ${name}: ${what} (last: ${JSON.stringify(last.conditions)})`,
    async () => {
      last = await statusOf(name);
      return check(last) ? last : undefined;
    },
    timeoutMs,
  );
};

before(async () => {
  await access(helmBin, constants.X_OK).catch(() => {
    throw new Error(`${helmBin} not found; run scripts/provision.sh helm`);
  });
  env = await startTestEnv();
  home = path.join(env.tmp, 'home');
  await mkdir(home, { recursive: true });
  await env.namespace(ns);
  await env.createRepo('charts', chartFiles);
  await env.apply(gitRepository(ns, 'charts', env.git.repoUrl('charts')));
});
after(() => env?.stop());

test('install: Ready InstallSucceeded, Helm storage the helm CLIs read, field manager helm-controller', async () => {
  await env.apply(helmRelease('app', { chart: chartTemplate, values: { message: 'one', extra: true } }));
  await env.waitForReady(hrRef('app'), { reason: 'InstallSucceeded' }, 180_000);
  const s = await statusOf('app');
  // status.inventory as helm-controller writes it: the release's objects (hooks not), ids in Flux's codec.
  assert.deepEqual(inventoryIds(s), [
    `_${ns}__app-reader_rbac.authorization.k8s.io_ClusterRole`,
    `${ns}_app-config__ConfigMap`,
  ]);
  assert.ok(s.inventory?.entries.every((e) => e.v === 'v1'));
  assert.equal(condition(s, 'Ready')?.message, `Helm install succeeded for release ${ns}/app.v1 with chart app@0.1.0`);
  assert.equal(condition(s, 'Released')?.reason, 'InstallSucceeded');
  assert.equal(s.helmChart, `${ns}/${ns}-app`);
  assert.equal(s.storageNamespace, ns);
  assert.equal(s.lastAttemptedRevision, '0.1.0');
  assert.equal(s.lastAttemptedReleaseAction, 'install');
  assert.match(s.lastAttemptedConfigDigest ?? '', /^sha256:[0-9a-f]{64}$/);
  const [h] = s.history ?? [];
  assert.equal(h?.['name'], 'app');
  assert.equal(h?.['namespace'], ns);
  assert.equal(h?.['version'], 1);
  assert.equal(h?.['status'], 'deployed');
  assert.equal(h?.['chartName'], 'app');
  assert.equal(h?.['chartVersion'], '0.1.0');
  assert.equal(h?.['appVersion'], '1.0.0');
  assert.equal(h?.['configDigest'], s.lastAttemptedConfigDigest);
  assert.match(String(h?.['digest']), /^sha256:[0-9a-f]{64}$/);
  assert.equal(h?.['action'], 'install');

  // The HelmChart the template made, labelled as helm-controller labels it.
  const chart = await env.get(ref(ApiVersions.source, 'HelmChart', ns, `${ns}-app`));
  assert.equal(chart?.metadata.labels?.['helm.toolkit.fluxcd.io/name'], 'app');

  assert.equal(await configMessage('app-config'), 'one');
  const cm = await env.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'app-config' });
  const managers = ((cm?.metadata as { managedFields?: { manager: string }[] }).managedFields ?? []).map(
    (m) => m.manager,
  );
  assert.ok(managers.includes('helm-controller'), `managers: ${managers.join(', ')}`);
  assert.equal(cm?.metadata.labels?.['app.kubernetes.io/managed-by'], 'Helm');
  assert.equal(cm?.metadata.annotations?.['meta.helm.sh/release-name'], 'app');

  const rel = (await listed()).find((r) => r.name === 'app');
  assert.equal(rel?.status, 'deployed');
  assert.equal(rel?.revision, '1');
  assert.equal(rel?.chart, 'app-0.1.0');
  const secret = await env.get({ apiVersion: 'v1', kind: 'Secret', namespace: ns, name: 'sh.helm.release.v1.app.v1' });
  assert.equal(secret?.metadata.labels?.['owner'], 'helm');
  if (
    await access(helm3Bin, constants.X_OK).then(
      () => true,
      () => false,
    )
  ) {
    const v3 = (await listed(helm3Bin)).find((r) => r.name === 'app');
    assert.equal(v3?.status, 'deployed', 'helm v3 reads the release too');
  }

  const installed = (await events('app')).find((e) => e.reason === 'InstallSucceeded');
  assert.equal(installed?.type, 'Normal');
  assert.equal(installed?.message, `Helm install succeeded for release ${ns}/app.v1 with chart app@0.1.0`);
  assert.equal(installed?.metadata.annotations?.['helm.toolkit.fluxcd.io/revision'], '0.1.0');
  assert.equal(installed?.metadata.annotations?.['helm.toolkit.fluxcd.io/token'], s.lastAttemptedConfigDigest);
});

test('a values change upgrades to revision 2; a restart does not upgrade again', async () => {
  await env.apply(helmRelease('app', { chart: chartTemplate, values: { message: 'two' } }));
  await env.waitForReady(hrRef('app'), { reason: 'UpgradeSucceeded' }, 120_000);
  const s = await statusOf('app');
  assert.equal(condition(s, 'Ready')?.message, `Helm upgrade succeeded for release ${ns}/app.v2 with chart app@0.1.0`);
  assert.equal(s.history?.[0]?.['version'], 2);
  assert.equal(s.history?.[1]?.['status'], 'superseded');
  assert.equal(await configMessage('app-config'), 'two');
  // The upgrade dropped the ClusterRole: gone from the inventory, and from the cluster.
  assert.deepEqual(inventoryIds(s), [`${ns}_app-config__ConfigMap`]);
  assert.equal(
    await env.get({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: `${ns}:app-reader` }),
    undefined,
  );
  const values = await helmJson<{ message?: string }>(['get', 'values', 'app']);
  assert.equal(values.message, 'two');

  // A new engine (as after a restart) reconciles on request and leaves the release at revision 2.
  await env.engine?.stop();
  env.engine = undefined;
  await env.startEngine();
  const token = `restart-${Date.now()}`;
  await env.client.patch(hrRef('app'), { metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': token } } });
  await waitStatus('app', 'the request handled', (x) => x.lastHandledReconcileAt === token);
  assert.equal((await listed()).find((r) => r.name === 'app')?.revision, '2');
  const after = await statusOf('app');
  assert.equal(condition(after, 'Ready')?.status, 'True');
  assert.deepEqual(after.inventory, s.inventory, 'no release action, the inventory as it was');
});

test('a template error: Ready=False UpgradeFailed, the last release stays', async () => {
  await env.apply(helmRelease('app', { chart: chartTemplate, values: { message: 'broken', fail: true } }));
  const s = await waitStatus(
    'app',
    'Ready=False UpgradeFailed',
    (x) => condition(x, 'Ready')?.reason === 'UpgradeFailed',
  );
  const ready = condition(s, 'Ready');
  assert.equal(ready?.status, 'False');
  assert.match(
    ready?.message ?? '',
    new RegExp(`^Helm upgrade failed for release ${ns}/app with chart app@0.1.0: .*the chart was asked to fail`),
  );
  const rel = (await listed()).find((r) => r.name === 'app');
  assert.equal(rel?.revision, '2');
  assert.equal(rel?.status, 'deployed');
  assert.equal(await configMessage('app-config'), 'two');
  const failed = (await events('app')).find((e) => e.reason === 'UpgradeFailed');
  assert.equal(failed?.type, 'Warning');
});

test('a failed install with no retries left stalls: Ready=False InstallFailed, Stalled RetriesExceeded', async () => {
  await env.apply(helmRelease('broken', { chart: chartTemplate, values: { badName: true } }));
  const s = await waitStatus('broken', 'Stalled', (x) => condition(x, 'Stalled')?.status === 'True', 180_000);
  assert.equal(condition(s, 'Stalled')?.reason, 'RetriesExceeded');
  assert.equal(condition(s, 'Stalled')?.message, 'Failed to install after 1 attempt(s)');
  const ready = condition(s, 'Ready');
  assert.equal(ready?.status, 'False');
  assert.equal(ready?.reason, 'InstallFailed');
  assert.match(
    ready?.message ?? '',
    new RegExp(`^Helm install failed for release ${ns}/broken with chart app@0\\.1\\.0: `),
  );
  assert.equal(s.lastAttemptedReleaseAction, 'install');
  assert.equal((await listed()).find((r) => r.name === 'broken')?.status, 'failed');
  assert.equal(condition(s, 'Reconciling'), undefined);
  await env.client.delete(hrRef('broken'));
  await env.waitFor('HelmRelease broken gone', async () => (await env.get(hrRef('broken'))) === undefined, 120_000);
});

test('a failed upgrade is remediated by rollback (upgrade.remediation.retries)', async () => {
  await env.apply(
    helmRelease('app', {
      chart: chartTemplate,
      values: { message: 'three', badName: true },
      upgrade: { remediation: { retries: 1, strategy: 'rollback' } },
    }),
  );
  const s = await waitStatus(
    'app',
    'Stalled RetriesExceeded after rollbacks',
    (x) => condition(x, 'Stalled')?.reason === 'RetriesExceeded',
    240_000,
  );
  assert.equal(condition(s, 'Stalled')?.message, 'Failed to upgrade after 2 attempt(s)');
  const remediated = condition(s, 'Remediated');
  assert.equal(remediated?.status, 'True');
  assert.equal(remediated?.reason, 'RollbackSucceeded');
  assert.match(
    remediated?.message ?? '',
    new RegExp(`^Helm rollback to previous release ${ns}/app\\.v\\d+ with chart app@0\\.1\\.0 succeeded$`),
  );
  assert.equal(condition(s, 'Ready')?.status, 'False');
  assert.equal(condition(s, 'Ready')?.reason, 'RollbackSucceeded');
  assert.equal(s.upgradeFailures, 2);
  assert.equal(await configMessage('app-config'), 'two', 'rolled back to the values of revision 2');
  const history = await helmJson<{ revision: number; status: string; description: string }[]>(['history', 'app']);
  assert.ok(
    history.some((h) => h.status === 'failed'),
    JSON.stringify(history),
  );
  assert.match(history.at(-1)?.description ?? '', /^Rollback to \d+$/);
  assert.equal(history.at(-1)?.status, 'deployed');
  assert.ok((await events('app')).some((e) => e.reason === 'RollbackSucceeded' && e.type === 'Normal'));
});

test('a release made by `helm install` is taken over with an upgrade (as helm-controller); tests run', async () => {
  const chartDir = path.join(env.tmp, 'adopt-chart');
  await mkdir(path.join(chartDir, 'templates'), { recursive: true });
  for (const [file, text] of Object.entries(chartFiles)) {
    await writeFile(path.join(chartDir, file.replace('charts/app/', '')), text);
  }
  await helm(['install', 'adopted', chartDir, '--set', 'message=by-hand']);
  await env.apply(
    helmRelease('adopted', {
      chart: chartTemplate,
      values: { message: 'by-hand' },
      test: { enable: true },
      persistentClient: false,
    }),
  );
  const ready = await env.waitForReady(hrRef('adopted'), { reason: 'TestSucceeded' }, 180_000);
  const s = (ready as unknown as { status: HrStatus }).status;
  assert.equal(
    condition(s, 'Ready')?.message,
    `Helm test succeeded for release ${ns}/adopted.v2 with chart app@0.1.0: no test hooks`,
  );
  assert.equal(condition(s, 'Released')?.reason, 'UpgradeSucceeded');
  assert.equal(s.history?.length, 1, 'the history starts with the release Driftless made');
  assert.deepEqual(s.history?.[0]?.['testHooks'], {});
  const rel = (await listed()).find((r) => r.name === 'adopted');
  assert.equal(rel?.revision, '2');
  assert.equal(await configMessage('adopted-config'), 'by-hand');

  // `helm rollback` by hand makes revision 3, which the history does not describe: unmanaged, so the
  // next reconcile upgrades to the desired state again (revision 4), as helm-controller does.
  await helm(['rollback', 'adopted', '1']);
  const token = `after-rollback-${Date.now()}`;
  await env.client.patch(hrRef('adopted'), { metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': token } } });
  const again = await waitStatus(
    'adopted',
    'revision 4 made and tested',
    (x) =>
      x.lastHandledReconcileAt === token &&
      x.history?.[0]?.['version'] === 4 &&
      condition(x, 'Ready')?.status === 'True',
    180_000,
  );
  assert.equal(again.history?.[0]?.['action'], 'upgrade');
  assert.equal((await listed()).find((r) => r.name === 'adopted')?.revision, '4');
});

test('chartRef to a HelmChart, dependsOn a HelmRelease in this namespace (Ready, readyExpr)', async () => {
  await env.apply({
    apiVersion: ApiVersions.source,
    kind: 'HelmChart',
    metadata: { name: 'shared', namespace: ns },
    spec: { chart: './charts/app', sourceRef: { kind: 'GitRepository', name: 'charts' }, interval: '1m' },
  });
  await env.apply(
    helmRelease('byref', {
      chartRef: { kind: 'HelmChart', name: 'shared' },
      dependsOn: [{ name: 'missing', namespace: ns }],
      values: { message: 'by-ref' },
    }),
  );
  const waiting = await waitStatus(
    'byref',
    'DependencyNotReady',
    (x) => condition(x, 'Ready')?.reason === 'DependencyNotReady',
  );
  assert.match(condition(waiting, 'Ready')?.message ?? '', /missing/);
  // readyExpr in place of the Ready check: CEL over the dependency (`dep`) and this release (`self`).
  await env.apply(
    helmRelease('byref', {
      chartRef: { kind: 'HelmChart', name: 'shared' },
      dependsOn: [{ name: 'adopted', readyExpr: "dep.status.history[0].chartVersion == '9.9.9'" }],
      values: { message: 'by-ref' },
    }),
  );
  await waitStatus(
    'byref',
    'DependencyNotReady by readyExpr',
    (x) => condition(x, 'Ready')?.message === `dependency '${ns}/adopted' is not ready according to readyExpr eval`,
  );
  await env.apply(
    helmRelease('byref', {
      chartRef: { kind: 'HelmChart', name: 'shared' },
      dependsOn: [
        { name: 'adopted' },
        {
          name: 'adopted',
          readyExpr: "dep.metadata.namespace == self.metadata.namespace && dep.status.history[0].status == 'deployed'",
        },
      ],
      values: { message: 'by-ref' },
    }),
  );
  await env.waitForReady(hrRef('byref'), { reason: 'InstallSucceeded' }, 180_000);
  const s = await statusOf('byref');
  assert.equal(s.helmChart, undefined, 'chartRef makes no HelmChart');
  assert.equal(await configMessage('byref-config'), 'by-ref');
});

test('flux get / suspend / resume helmreleases', async (t) => {
  if (
    !(await access(fluxBin, constants.X_OK).then(
      () => true,
      () => false,
    ))
  ) {
    t.skip(`${fluxBin} not found; run scripts/provision.sh flux`);
    return;
  }
  const flux = (args: string[]) =>
    ok(fluxBin, [...args, '--kubeconfig', env.kubeconfigPath, '-n', ns, '--timeout', '90s']);
  const got = await flux(['get', 'helmreleases']);
  const row = got.split('\n').find((l) => l.startsWith('byref'));
  assert.ok(row, got);
  assert.match(row, /0\.1\.0\s+False\s+True\s+Helm install succeeded/);
  await flux(['suspend', 'helmrelease', 'byref']);
  assert.equal(((await env.get(hrRef('byref'))) as unknown as { spec: { suspend?: boolean } }).spec.suspend, true);
  const resumed = await run(fluxBin, [
    'resume',
    'helmrelease',
    'byref',
    '--kubeconfig',
    env.kubeconfigPath,
    '-n',
    ns,
    '--timeout',
    '90s',
  ]);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stderr, /HelmRelease byref reconciliation completed/);
});

test('a release left pending-upgrade by a crashed process is unlocked as Flux does, then upgraded; valuesFrom', async () => {
  const secretRef = { apiVersion: 'v1', kind: 'Secret', namespace: ns, name: 'sh.helm.release.v1.byref.v1' };
  const secret = (await env.get(secretRef)) as unknown as { data: { release: string } };
  const rel = decodeRelease(secret.data.release);
  await env.client.patch(secretRef, {
    metadata: { labels: { status: 'pending-upgrade' } },
    data: { release: encodeRelease({ ...rel, info: { ...rel.info, status: 'pending-upgrade' } }) },
  });
  assert.equal((await listed()).find((r) => r.name === 'byref')?.status, 'pending-upgrade', 'helm sees it locked');
  await env.apply({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'byref-values', namespace: ns },
    data: { 'values.yaml': 'message: from-configmap\n' },
  });
  await env.apply(
    helmRelease('byref', {
      chartRef: { kind: 'HelmChart', name: 'shared' },
      dependsOn: [{ name: 'adopted' }],
      valuesFrom: [{ kind: 'ConfigMap', name: 'byref-values' }],
    }),
  );
  await env.waitForReady(hrRef('byref'), { reason: 'UpgradeSucceeded' }, 180_000);
  const unlocked = (await events('byref')).find((e) => e.reason === 'PendingRelease');
  assert.equal(unlocked?.message, `Unlocked Helm release ${ns}/byref.v1 with chart app@0.1.0 in pending-upgrade state`);
  // Unlocked (failed), then superseded by the upgrade that followed in the same reconcile.
  const history = await helmJson<{ revision: number; status: string }[]>(['history', 'byref']);
  assert.deepEqual(
    history.map((h) => [h.revision, h.status]),
    [
      [1, 'superseded'],
      [2, 'deployed'],
    ],
  );
  const s = await statusOf('byref');
  assert.deepEqual(
    s.history?.map((h) => [h['version'], h['status']]),
    [
      [2, 'deployed'],
      [1, 'superseded'],
    ],
  );
  assert.equal(await configMessage('byref-config'), 'from-configmap');
});

test('delete: the release is uninstalled and the template HelmChart deleted', async () => {
  await env.client.delete(hrRef('adopted'));
  await env.waitFor('HelmRelease adopted gone', async () => (await env.get(hrRef('adopted'))) === undefined, 120_000);
  assert.equal(
    (await listed()).find((r) => r.name === 'adopted'),
    undefined,
  );
  assert.equal(await configMessage('adopted-config'), undefined);
  await env.waitFor(
    'HelmChart of adopted deleted',
    async () => (await env.get(ref(ApiVersions.source, 'HelmChart', ns, `${ns}-adopted`))) === undefined,
  );
});
