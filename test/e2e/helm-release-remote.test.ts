// HelmRelease spec.kubeConfig with two independent control planes: the real helm installs, corrects drift,
// health-checks and uninstalls the release in the cluster the kubeconfig Secret names, with Helm's storage
// there (`helm list` against that cluster shows it), while the HelmChart stays in the local cluster and no
// release object or Secret lands there; a missing Secret and an unreachable cluster are Ready=False with
// helm-controller's RESTClientError, naming the Secret or the address, never the credentials; a release whose
// Secret is gone at deletion is left in place, as helm-controller leaves it.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiVersions } from '../../src/api/constants.ts';
import { KubeClient } from '../../src/kube/client.ts';
import { loadKubeConfig } from '../../src/kube/config.ts';
import type { KubeObject } from '../../src/kube/types.ts';
import { testControlPlane, type TestControlPlane } from '../support/control-plane.ts';
import { gitRepository, ref, startTestEnv, type TestEnv } from '../support/env.ts';

const binDir = process.env['DRIFTLESS_TEST_BIN_DIR'] ?? path.join(homedir(), '.cache', 'driftless', 'bin');
const helmBin = path.join(binDir, 'helm');
const driftlessBin = fileURLToPath(new URL('../../bin/driftless.js', import.meta.url));
const ns = 'hr-remote';
let env: TestEnv;
let remote: TestControlPlane;
let remoteClient: KubeClient;
let remoteKubeconfig: string;
let helmHome: string;

const chartFiles = {
  'charts/app/Chart.yaml': 'apiVersion: v2\nname: app\nversion: 0.1.0\n',
  'charts/app/values.yaml': 'message: hello\n',
  'charts/app/templates/cm.yaml': [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    '  name: {{ .Release.Name }}-config',
    'data:',
    '  message: {{ .Values.message | quote }}',
    '',
  ].join('\n'),
};

type Cond = { type: string; status: string; reason: string; message: string };
type HrStatus = { conditions?: Cond[]; lastHandledReconcileAt?: string; helmChart?: string };
const hrRef = (name: string) => ref(ApiVersions.helm, 'HelmRelease', ns, name);
const cmRef = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name });
const releaseSecret = (name: string) => ({ apiVersion: 'v1', kind: 'Secret', namespace: ns, name });
const messageOf = (obj: KubeObject | undefined): string | undefined =>
  (obj?.['data'] as { message?: string } | undefined)?.message;
const helmRelease = (name: string, kubeConfig: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  apiVersion: ApiVersions.helm,
  kind: 'HelmRelease',
  metadata: { name, namespace: ns },
  spec: {
    interval: '10m',
    timeout: '2m',
    chart: {
      spec: { chart: './charts/app', sourceRef: { kind: 'GitRepository', name: 'charts' }, interval: '1m' },
    },
    values: { message: 'desired' },
    kubeConfig,
    ...extra,
  },
});
const statusOf = async (name: string): Promise<HrStatus> =>
  ((await env.get(hrRef(name))) as unknown as { status?: HrStatus } | undefined)?.status ?? {};

/** `helm list` against a kubeconfig file: the release names in the namespace. */
function helmList(kubeconfig: string): Promise<string[]> {
  return new Promise((resolve, reject) =>
    execFile(
      helmBin,
      ['list', '-o', 'json', '--kubeconfig', kubeconfig, '--namespace', ns],
      { timeout: 60_000, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: helmHome } },
      (err, stdout, stderr) =>
        err
          ? reject(new Error(`helm list: ${stderr}`))
          : resolve((JSON.parse(stdout) as { name: string; status: string }[]).map((r) => `${r.name}:${r.status}`)),
    ),
  );
}

before(async () => {
  helmHome = await mkdtemp(path.join(tmpdir(), 'hr-remote-helm-'));
  env = await startTestEnv();
  // The second cluster: its own etcd, API server and ports, even when the first is a shared one.
  remote = await testControlPlane({ independent: true });
  remoteKubeconfig = await readFile(remote.kubeconfigPath, 'utf8');
  remoteClient = new KubeClient({ kubeConfig: loadKubeConfig(remote.kubeconfigPath) });
  await env.namespace(ns);
  await remoteClient.apply(
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
    { fieldManager: 'e2e', force: true },
  );
  await env.apply({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'remote-kubeconfig', namespace: ns },
    stringData: { value: remoteKubeconfig },
  });
  await env.createRepo('hr-remote-charts', chartFiles);
  await env.apply(gitRepository(ns, 'charts', env.git.repoUrl('hr-remote-charts')));
});
after(async () => {
  await env?.stop();
  await remote?.stop();
  if (helmHome) await rm(helmHome, { recursive: true, force: true });
});

test('installed, health-checked and stored in the cluster of spec.kubeConfig; the HelmChart stays local', async () => {
  await env.apply(
    helmRelease(
      'app',
      { secretRef: { name: 'remote-kubeconfig' } },
      {
        driftDetection: { mode: 'enabled' },
        // Only true where the release was made: the ConfigMap does not exist in the local cluster.
        healthCheckExprs: [{ apiVersion: 'v1', kind: 'ConfigMap', current: "data.message == 'desired'" }],
      },
    ),
  );
  await env.waitForReady(hrRef('app'), { reason: 'InstallSucceeded' }, 180_000);
  assert.equal(messageOf(await remoteClient.get(cmRef('app-config'))), 'desired');
  assert.equal(
    (await remoteClient.get(releaseSecret('sh.helm.release.v1.app.v1')))?.metadata.labels?.['owner'],
    'helm',
  );
  assert.deepEqual(await helmList(remote.kubeconfigPath), ['app:deployed']);
  // Nothing in the local cluster but the HelmChart of the template.
  assert.deepEqual(await helmList(env.kubeconfigPath), []);
  assert.equal(await env.get(cmRef('app-config')), undefined);
  assert.equal(await env.get(releaseSecret('sh.helm.release.v1.app.v1')), undefined);
  const chart = (await statusOf('app')).helmChart ?? '';
  assert.equal(chart, `${ns}/${ns}-app`);
  assert.ok(await env.get(ref(ApiVersions.source, 'HelmChart', ns, `${ns}-app`)));
  assert.equal(
    await remoteClient.get(ref(ApiVersions.source, 'HelmChart', ns, `${ns}-app`)).catch(() => undefined),
    undefined,
  );
});

test('drift in the remote cluster is detected and corrected there', async () => {
  await remoteClient.patch(cmRef('app-config'), { data: { message: 'edited' } });
  assert.equal(messageOf(await remoteClient.get(cmRef('app-config'))), 'edited');
  const token = `drift-${Date.now()}`;
  await env.client.patch(hrRef('app'), { metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': token } } });
  await env.waitFor(
    'the remote ConfigMap to be corrected',
    async () =>
      (await statusOf('app')).lastHandledReconcileAt === token &&
      messageOf(await remoteClient.get(cmRef('app-config'))) === 'desired',
    120_000,
  );
  // Put back by drift correction (no upgrade): helm-controller's event, and still revision 1 there.
  const events = (await env.client.list('v1', 'Event', { namespace: ns })).items as unknown as {
    reason?: string;
    involvedObject?: { name?: string; kind?: string };
  }[];
  assert.ok(events.some((e) => e.involvedObject?.name === 'app' && e.reason === 'DriftCorrected'));
  assert.equal(await remoteClient.get(releaseSecret('sh.helm.release.v1.app.v2')), undefined);
});

test('driftless diff hr renders and compares in the remote cluster: nothing to change', async () => {
  // Against the local cluster every object of the release would be missing; in the remote one all match.
  const res = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(
      process.execPath,
      [driftlessBin, 'diff', 'hr', 'app', '-n', ns, '--kubeconfig', env.kubeconfigPath],
      { timeout: 120_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    ),
  );
  assert.equal(res.code, 0, `${res.stdout}\n${res.stderr}`);
  assert.equal(res.stdout, '');
});

test('a missing kubeconfig Secret is Ready=False RESTClientError naming the Secret', async () => {
  await env.apply(helmRelease('nokc', { secretRef: { name: 'missing' } }));
  const failed = await env.waitForReady(hrRef('nokc'), { status: 'False', reason: 'RESTClientError' }, 120_000);
  const message = failed.status?.conditions?.find((c) => c.type === 'Ready')?.message ?? '';
  assert.equal(message, `could not get KubeConfig secret '${ns}/missing': secrets "missing" not found`);
  // Deleting it goes through: there is no cluster to uninstall from.
  await env.client.delete(hrRef('nokc'));
  await env.waitFor('nokc to be gone', async () => (await env.get(hrRef('nokc'))) === undefined, 60_000);
});

test('an unreachable cluster is Ready=False naming its address, never its credentials', async () => {
  const unreachable = remoteKubeconfig.replace(/server: https:\/\/127\.0\.0\.1:\d+/, 'server: https://127.0.0.1:1');
  assert.notEqual(unreachable, remoteKubeconfig);
  await env.apply({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'gone-kubeconfig', namespace: ns },
    stringData: { kubeconfig: unreachable },
  });
  await env.apply(helmRelease('gone', { secretRef: { name: 'gone-kubeconfig', key: 'kubeconfig' } }));
  const failed = await env.waitForReady(hrRef('gone'), { status: 'False', reason: 'RESTClientError' }, 120_000);
  const message = failed.status?.conditions?.find((c) => c.type === 'Ready')?.message ?? '';
  assert.match(message, /failed to reach the cluster at 'https:\/\/127\.0\.0\.1:1' of spec\.kubeConfig/);
  const keyData = /client-key-data: (\S+)/.exec(remoteKubeconfig)?.[1] ?? '';
  assert.ok(keyData.length > 20 && !message.includes(keyData.slice(0, 20)));
  // Never released anywhere, so deleting it needs no cluster.
  await env.client.delete(hrRef('gone'));
  await env.waitFor('gone to be gone', async () => (await env.get(hrRef('gone'))) === undefined, 60_000);
});

test('a release whose kubeconfig Secret is gone at deletion is left in place (as helm-controller)', async () => {
  await env.apply({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'short-lived-kubeconfig', namespace: ns },
    stringData: { 'value.yaml': remoteKubeconfig },
  });
  await env.apply(helmRelease('orphan', { secretRef: { name: 'short-lived-kubeconfig' } }));
  await env.waitForReady(hrRef('orphan'), { reason: 'InstallSucceeded' }, 180_000);
  assert.ok((await helmList(remote.kubeconfigPath)).includes('orphan:deployed'));
  await env.client.delete({ apiVersion: 'v1', kind: 'Secret', namespace: ns, name: 'short-lived-kubeconfig' });
  await env.client.delete(hrRef('orphan'));
  await env.waitFor('orphan to be gone', async () => (await env.get(hrRef('orphan'))) === undefined, 60_000);
  assert.ok((await helmList(remote.kubeconfigPath)).includes('orphan:deployed'));
  assert.equal(messageOf(await remoteClient.get(cmRef('orphan-config'))), 'desired');
});

test('deleting the HelmRelease uninstalls the release in the remote cluster', async () => {
  await env.client.delete(hrRef('app'));
  await env.waitFor('the HelmRelease to be gone', async () => (await env.get(hrRef('app'))) === undefined, 120_000);
  assert.deepEqual(await helmList(remote.kubeconfigPath), ['orphan:deployed']);
  assert.equal(await remoteClient.get(cmRef('app-config')), undefined);
  assert.equal(await remoteClient.get(releaseSecret('sh.helm.release.v1.app.v1')), undefined);
});
