// HelmRelease drift detection end to end (spec.driftDetection): a release object edited with the real kubectl
// is put back (mode enabled: DriftDetected, DriftCorrected, Drifted=False again) or only reported (mode
// warn: Drifted=True, the edit stays); ignore rules and the driftDetection: disabled annotation leave
// their fields and objects alone; a deleted object is created again.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { homedir } from 'node:os';
import path from 'node:path';
import { ApiVersions } from '../../src/api/constants.ts';
import type { KubeObject } from '../../src/kube/types.ts';
import { gitRepository, ref, startTestEnv, type TestEnv } from '../support/env.ts';

const binDir = process.env['DRIFTLESS_TEST_BIN_DIR'] ?? path.join(homedir(), '.cache', 'driftless', 'bin');
const kubectlBin = path.join(binDir, 'kubectl');
const ns = 'hr-drift';
let env: TestEnv;

// Two ConfigMaps: `<release>-config`, and `<release>-free`, which the chart excludes from drift detection.
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
    '  other: fixed',
    '---',
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    '  name: {{ .Release.Name }}-free',
    '  annotations:',
    '    helm.toolkit.fluxcd.io/driftDetection: disabled',
    'data:',
    '  message: {{ .Values.message | quote }}',
    '',
  ].join('\n'),
};

type Cond = { type: string; status: string; reason: string; message: string };
type HrStatus = { conditions?: Cond[]; lastHandledReconcileAt?: string; history?: { version: number }[] };
const hrRef = ref(ApiVersions.helm, 'HelmRelease', ns, 'app');
const cmRef = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name });
const helmRelease = (driftDetection: Record<string, unknown>): KubeObject => ({
  apiVersion: ApiVersions.helm,
  kind: 'HelmRelease',
  metadata: { name: 'app', namespace: ns },
  spec: {
    interval: '10m',
    timeout: '2m',
    chart: {
      spec: { chart: './charts/app', sourceRef: { kind: 'GitRepository', name: 'charts' }, interval: '1m' },
    },
    values: { message: 'desired' },
    driftDetection,
  },
});
const statusOf = async (): Promise<HrStatus> =>
  ((await env.get(hrRef)) as unknown as { status?: HrStatus } | undefined)?.status ?? {};
const condition = (s: HrStatus, type: string): Cond | undefined => s.conditions?.find((c) => c.type === type);
const data = async (name: string): Promise<Record<string, string> | undefined> =>
  ((await env.get(cmRef(name))) as unknown as { data?: Record<string, string> } | undefined)?.data;

function kubectl(args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(kubectlBin, [...args, '--kubeconfig', env.kubeconfigPath, '-n', ns], (err, stdout, stderr) =>
      err ? reject(new Error(`kubectl ${args.join(' ')}: ${stderr}`)) : resolve(stdout),
    ),
  );
}

async function events(reason: string) {
  const list = await env.client.list('v1', 'Event', { namespace: ns });
  return (
    list.items as unknown as {
      reason?: string;
      type?: string;
      message?: string;
      involvedObject?: { name?: string; kind?: string };
    }[]
  ).filter((e) => e.involvedObject?.kind === 'HelmRelease' && e.reason === reason);
}

/** Asks for a reconcile and waits until it is handled and `check` holds. */
async function reconcile(what: string, check: (s: HrStatus) => boolean): Promise<HrStatus> {
  const token = `${what}-${Date.now()}`;
  await env.client.patch(hrRef, { metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': token } } });
  let last: HrStatus = {};
  return await env.waitFor(
    () => `HelmRelease app: ${what} (last: ${JSON.stringify(last.conditions)})`,
    async () => {
      last = await statusOf();
      return last.lastHandledReconcileAt === token && check(last) ? last : undefined;
    },
    120_000,
  );
}

before(async () => {
  env = await startTestEnv();
  await env.namespace(ns);
  await env.createRepo('charts', chartFiles);
  await env.apply(gitRepository(ns, 'charts', env.git.repoUrl('charts')));
});
after(() => env?.stop());

test('mode enabled: a kubectl edit is corrected, ignored paths and excluded objects stay, a deleted object comes back', async () => {
  await env.apply(
    helmRelease({ mode: 'enabled', ignore: [{ paths: ['/data/extra'], target: { kind: 'ConfigMap' } }] }),
  );
  await env.waitForReady(hrRef, { reason: 'InstallSucceeded' }, 180_000);
  const installed = await reconcile('no-drift', (s) => condition(s, 'Drifted')?.reason === 'NoDriftDetected');
  assert.equal(condition(installed, 'Drifted')?.status, 'False');
  assert.equal(condition(installed, 'Drifted')?.message, 'No drift detected against the cluster state');

  await kubectl([
    'patch',
    'configmap',
    'app-config',
    '--type=merge',
    '-p',
    '{"data":{"message":"edited","extra":"mine"}}',
  ]);
  await kubectl(['patch', 'configmap', 'app-free', '--type=merge', '-p', '{"data":{"message":"edited"}}']);
  await kubectl(['delete', 'configmap', 'app-free']);
  await kubectl(['patch', 'configmap', 'app-config', '--type=json', '-p', '[{"op":"remove","path":"/data/other"}]']);
  const corrected = await reconcile('corrected', (s) => condition(s, 'Ready')?.status === 'True');
  assert.equal(condition(corrected, 'Drifted')?.reason, 'NoDriftDetected', 'in sync again after the correction');
  assert.deepEqual(await data('app-config'), { message: 'desired', other: 'fixed', extra: 'mine' });
  assert.equal(corrected.history?.[0]?.version, 1, 'corrected without a Helm upgrade');

  const [detected] = await events('DriftDetected');
  assert.equal(detected?.type, 'Warning');
  assert.equal(
    detected?.message,
    `Cluster state of release ${ns}/app.v1 has drifted from the desired state:\n` +
      `ConfigMap/${ns}/app-config changed (1 additions, 1 changes, 0 removals)\nConfigMap/${ns}/app-free excluded`,
  );
  const [fixed] = await events('DriftCorrected');
  assert.equal(fixed?.type, 'Normal');
  assert.equal(
    fixed?.message,
    `Cluster state of release ${ns}/app.v1 has been corrected:\nConfigMap/${ns}/app-config configured`,
  );
  assert.equal(await data('app-free'), undefined, 'excluded objects are not created again');

  // An object deleted by hand is created again.
  await kubectl(['delete', 'configmap', 'app-config']);
  await reconcile('recreated', (s) => condition(s, 'Ready')?.status === 'True');
  assert.deepEqual(await data('app-config'), { message: 'desired', other: 'fixed' });
  const created = (await events('DriftCorrected')).map((e) => e.message);
  assert.ok(
    created.includes(`Cluster state of release ${ns}/app.v1 has been corrected:\nConfigMap/${ns}/app-config created`),
    created.join('\n'),
  );
});

test('mode warn: drift is reported (Drifted=True, a warning), the edit stays, Ready stays True', async () => {
  await env.apply(helmRelease({ mode: 'warn' }));
  await kubectl(['patch', 'configmap', 'app-config', '--type=merge', '-p', '{"data":{"message":"edited again"}}']);
  const s = await reconcile('warned', (x) => condition(x, 'Drifted')?.status === 'True');
  const drifted = condition(s, 'Drifted');
  assert.equal(drifted?.reason, 'DriftDetected');
  assert.equal(
    drifted?.message,
    `Cluster state of release ${ns}/app.v1 has drifted from the desired state:\n` +
      `ConfigMap/${ns}/app-config changed (0 additions, 1 changes, 0 removals)\nConfigMap/${ns}/app-free excluded`,
  );
  assert.equal(condition(s, 'Ready')?.status, 'True');
  assert.equal((await data('app-config'))?.['message'], 'edited again');

  // Back to disabled: no drift detection, the Drifted condition is left as it was (as helm-controller).
  await env.apply(helmRelease({ mode: 'disabled' }));
  await reconcile('disabled', (x) => condition(x, 'Ready')?.status === 'True');
  assert.equal((await data('app-config'))?.['message'], 'edited again');
});
