// HelmRelease failures end to end, each after a good release: values the chart's values.schema.json
// refuses, valuesFrom a missing ConfigMap/Secret (and `optional: true`) or a key that is not YAML, a
// pre-upgrade hook the API server rejects, and an upgrade whose Deployment never becomes ready within a
// short `spec.timeout` (rolled back, then Stalled when the retries are spent). The real helm v4 binary does
// every release action; the real helm CLI checks that the last good release stays deployed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { ApiVersions } from '../../src/api/constants.ts';
import type { KubeObject } from '../../src/kube/types.ts';
import { gitRepository, ref, startTestEnv, type TestEnv } from '../support/env.ts';

const binDir = process.env['DRIFTLESS_TEST_BIN_DIR'] ?? path.join(homedir(), '.cache', 'driftless', 'bin');
const helmBin = path.join(binDir, 'helm');
const ns = 'hr-failures';

let env: TestEnv;

// A ConfigMap and a one-replica Deployment, a schema for two values, a pre-upgrade hook whose name the
// API server rejects (on request), and a nodeSelector no node matches (on request: never ready).
const chartFiles = {
  'charts/app/Chart.yaml': 'apiVersion: v2\nname: app\nversion: 0.1.0\nappVersion: "1.0.0"\n',
  'charts/app/values.yaml': 'message: hello\nreplicas: 1\nbadHook: false\nunschedulable: false\n',
  'charts/app/values.schema.json': JSON.stringify({
    type: 'object',
    required: ['message', 'replicas'],
    properties: { message: { type: 'string' }, replicas: { type: 'integer', minimum: 0 } },
  }),
  'charts/app/templates/cm.yaml': [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    '  name: {{ .Release.Name }}-config',
    'data:',
    '  message: {{ .Values.message | quote }}',
    '',
  ].join('\n'),
  'charts/app/templates/deployment.yaml': [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: {{ .Release.Name }}',
    'spec:',
    '  replicas: {{ .Values.replicas }}',
    '  selector:',
    '    matchLabels: { app: {{ .Release.Name }} }',
    '  template:',
    '    metadata:',
    '      labels: { app: {{ .Release.Name }} }',
    '      annotations: { message: {{ .Values.message | quote }} }',
    '    spec:',
    '      {{- if .Values.unschedulable }}',
    '      nodeSelector: { driftless.dev/no-such-node: "true" }',
    '      {{- end }}',
    '      containers:',
    '        - name: app',
    '          image: example.invalid/app:1',
    '',
  ].join('\n'),
  'charts/app/templates/hook.yaml': [
    '{{- if .Values.badHook }}',
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    '  name: Not_A_Valid_Name',
    '  annotations:',
    '    helm.sh/hook: pre-upgrade',
    '{{- end }}',
    '',
  ].join('\n'),
};

type Cond = { type: string; status: string; reason: string; message: string };
type HrStatus = {
  conditions?: Cond[];
  history?: { version: number; status: string }[];
  observedGeneration?: number;
  failures?: number;
  upgradeFailures?: number;
  lastAttemptedReleaseAction?: string;
};

const hrRef = (name: string) => ref(ApiVersions.helm, 'HelmRelease', ns, name);
const helmRelease = (name: string, spec: Record<string, unknown>): KubeObject => ({
  apiVersion: ApiVersions.helm,
  kind: 'HelmRelease',
  metadata: { name, namespace: ns },
  spec: {
    interval: '10m',
    timeout: '3m',
    chart: { spec: { chart: './charts/app', sourceRef: { kind: 'GitRepository', name: 'charts' }, interval: '1m' } },
    ...spec,
  },
});

const getHr = async (name: string) =>
  (await env.get(hrRef(name))) as unknown as { metadata: { generation?: number }; status?: HrStatus } | undefined;
const condition = (s: HrStatus, type: string): Cond | undefined => s.conditions?.find((c) => c.type === type);
const waitStatus = (name: string, what: string, check: (s: HrStatus) => boolean, timeoutMs = 180_000) => {
  let last: HrStatus = {};
  return env.waitFor(
    () => `HelmRelease ${name}: ${what} (last: ${JSON.stringify(last.conditions)})`,
    async () => {
      last = (await getHr(name))?.status ?? {};
      return check(last) ? last : undefined;
    },
    timeoutMs,
  );
};

function helm(args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      helmBin,
      [...args, '--kubeconfig', env.kubeconfigPath, '--namespace', ns, '-o', 'json'],
      { timeout: 60_000, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: env.tmp } },
      (err, stdout, stderr) => (err ? reject(new Error(`helm ${args.join(' ')}: ${stderr}`)) : resolve(stdout)),
    ),
  );
}
type Revision = { revision: number; status: string; description: string };
const history = async (release: string): Promise<[number, string][]> =>
  (JSON.parse(await helm(['history', release])) as Revision[]).map((r) => [r.revision, r.status]);
const helmHistory = async (release: string): Promise<Revision[]> =>
  JSON.parse(await helm(['history', release])) as Revision[];
const configMessage = async (release: string): Promise<string | undefined> =>
  (
    (await env.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: `${release}-config` })) as unknown as
      { data?: { message?: string } } | undefined
  )?.data?.message;

async function warnings(name: string, reason: string): Promise<string[]> {
  const list = await env.client.list('v1', 'Event', { namespace: ns });
  return (
    list.items as unknown as { reason?: string; type?: string; message?: string; involvedObject?: { name?: string } }[]
  )
    .filter((e) => e.involvedObject?.name === name && e.type === 'Warning' && e.reason === reason)
    .map((e) => e.message ?? '');
}

/** Installs `name` with `spec` and waits for Ready InstallSucceeded: the last good release of each case. */
async function installGood(name: string, spec: Record<string, unknown>): Promise<void> {
  await env.apply(helmRelease(name, spec));
  await env.waitForReady(hrRef(name), { reason: 'InstallSucceeded' }, 240_000);
  assert.deepEqual(await history(name), [[1, 'deployed']]);
}

async function remove(name: string): Promise<void> {
  await env.client.delete(hrRef(name));
  await env.waitFor(`HelmRelease ${name} gone`, async () => (await env.get(hrRef(name))) === undefined, 180_000);
}

before(async () => {
  await access(helmBin, constants.X_OK).catch(() => {
    throw new Error(`${helmBin} not found; run scripts/provision.sh helm`);
  });
  env = await startTestEnv();
  await env.namespace(ns);
  await env.createRepo('charts', chartFiles);
  await env.apply(gitRepository(ns, 'charts', env.git.repoUrl('charts')));
});
after(() => env?.stop());

test('values the chart schema refuses: Ready=False UpgradeFailed naming the value, the last release stays deployed', async () => {
  await installGood('schema', { values: { message: 'good' } });
  await env.apply(helmRelease('schema', { values: { message: 'bad', replicas: 'many' } }));
  const s = await waitStatus(
    'schema',
    'Ready=False UpgradeFailed',
    (x) => condition(x, 'Ready')?.reason === 'UpgradeFailed',
  );
  const ready = condition(s, 'Ready');
  assert.equal(ready?.status, 'False');
  assert.match(
    ready?.message ?? '',
    new RegExp(`^Helm upgrade failed for release ${ns}/schema with chart app@0\\.1\\.0: .*schema`, 's'),
  );
  assert.match(ready?.message ?? '', /replicas/, 'the message names the value');
  assert.equal(condition(s, 'Released')?.reason, 'UpgradeFailed');
  // Helm refused before storing a release: nothing to remediate, so no upgrade failure is counted and the
  // upgrade is retried (not Stalled), as helm-controller does.
  assert.equal(s.upgradeFailures ?? 0, 0);
  assert.ok((s.failures ?? 0) >= 1);
  assert.notEqual(condition(s, 'Stalled')?.status, 'True');
  assert.deepEqual(await history('schema'), [[1, 'deployed']]);
  assert.equal(await configMessage('schema'), 'good');
  assert.ok((await warnings('schema', 'UpgradeFailed')).some((m) => /schema/.test(m)));
  await remove('schema');
});

test('valuesFrom: a missing ConfigMap or Secret is ValuesError, optional proceeds, a key that is not YAML is named', async () => {
  await env.apply({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'vals-values', namespace: ns },
    data: { 'values.yaml': 'message: from-configmap\n', 'broken.yaml': 'message: [unclosed\n' },
  });
  const fromCm = { kind: 'ConfigMap', name: 'vals-values' };
  await installGood('vals', { valuesFrom: [fromCm] });
  assert.equal(await configMessage('vals'), 'from-configmap');

  // A Secret that does not exist: ValuesError, named as helm-controller names it; no helm action ran.
  await env.apply(helmRelease('vals', { valuesFrom: [fromCm, { kind: 'Secret', name: 'vals-secret' }] }));
  let s = await waitStatus('vals', 'Ready=False ValuesError', (x) => condition(x, 'Ready')?.reason === 'ValuesError');
  assert.equal(
    condition(s, 'Ready')?.message,
    `could not resolve Secret chart values reference '${ns}/vals-secret' with key 'values.yaml': secrets "vals-secret" not found`,
  );
  assert.equal(condition(s, 'Ready')?.status, 'False');
  assert.ok((await warnings('vals', 'ValuesError')).some((m) => m.includes(`'${ns}/vals-secret'`)));

  // A missing ConfigMap likewise.
  await env.apply(helmRelease('vals', { valuesFrom: [fromCm, { kind: 'ConfigMap', name: 'vals-gone' }] }));
  s = await waitStatus('vals', 'ValuesError for the ConfigMap', (x) =>
    (condition(x, 'Ready')?.message ?? '').includes('vals-gone'),
  );
  assert.equal(
    condition(s, 'Ready')?.message,
    `could not resolve ConfigMap chart values reference '${ns}/vals-gone' with key 'values.yaml': configmaps "vals-gone" not found`,
  );

  // optional: true: the missing ones are skipped and the release is reconciled again (no new revision, the
  // values are those of revision 1).
  await env.apply(
    helmRelease('vals', {
      valuesFrom: [
        fromCm,
        { kind: 'Secret', name: 'vals-secret', optional: true },
        { kind: 'ConfigMap', name: 'vals-gone', optional: true },
      ],
    }),
  );
  const generation = (await getHr('vals'))?.metadata.generation;
  s = await waitStatus(
    'vals',
    'Ready=True at the new generation',
    (x) => x.observedGeneration === generation && condition(x, 'Ready')?.status === 'True',
  );
  assert.equal(condition(s, 'Ready')?.reason, 'InstallSucceeded');
  assert.deepEqual(await history('vals'), [[1, 'deployed']]);

  // A key whose content is not YAML: the message names the object and the key.
  await env.apply(helmRelease('vals', { valuesFrom: [{ ...fromCm, valuesKey: 'broken.yaml' }] }));
  s = await waitStatus('vals', 'ValuesError for broken.yaml', (x) =>
    (condition(x, 'Ready')?.message ?? '').includes("'broken.yaml'"),
  );
  assert.equal(condition(s, 'Ready')?.reason, 'ValuesError');
  assert.match(
    condition(s, 'Ready')?.message ?? '',
    new RegExp(`^could not resolve ConfigMap chart values reference '${ns}/vals-values' with key 'broken\\.yaml': .+`),
  );
  assert.deepEqual(await history('vals'), [[1, 'deployed']]);
  assert.equal(await configMessage('vals'), 'from-configmap');
  await remove('vals');
});

test('a pre-upgrade hook the API server rejects: UpgradeFailed, Stalled with no retries, the previous release intact', async () => {
  await installGood('hook', { values: { message: 'good' } });
  await env.apply(helmRelease('hook', { values: { message: 'with-hook', badHook: true } }));
  const s = await waitStatus('hook', 'Stalled', (x) => condition(x, 'Stalled')?.status === 'True');
  assert.equal(condition(s, 'Stalled')?.reason, 'RetriesExceeded');
  assert.equal(condition(s, 'Stalled')?.message, 'Failed to upgrade after 1 attempt(s)');
  const ready = condition(s, 'Ready');
  assert.equal(ready?.status, 'False');
  assert.equal(ready?.reason, 'UpgradeFailed');
  assert.match(
    ready?.message ?? '',
    new RegExp(`^Helm upgrade failed for release ${ns}/hook with chart app@0\\.1\\.0: `),
  );
  assert.match(ready?.message ?? '', /Not_A_Valid_Name/, 'the message names the rejected hook object');
  assert.equal(s.upgradeFailures, 1);
  assert.equal(s.lastAttemptedReleaseAction, 'upgrade');
  // Helm stored revision 2 as failed; revision 1 is still the deployed one and its objects are untouched.
  const revisions = await helmHistory('hook');
  assert.deepEqual(
    revisions.map((r) => [r.revision, r.status]),
    [
      [1, 'deployed'],
      [2, 'failed'],
    ],
  );
  assert.match(revisions[1]?.description ?? '', /pre-upgrade hooks failed/);
  assert.deepEqual(
    s.history?.map((h) => [h.version, h.status]),
    [
      [2, 'failed'],
      [1, 'deployed'],
    ],
  );
  assert.equal(await configMessage('hook'), 'good');
  assert.ok((await warnings('hook', 'UpgradeFailed')).length > 0);
  await remove('hook');
});

test('an upgrade never ready within spec.timeout is rolled back (Remediated), then Stalled RetriesExceeded', async () => {
  // Only the upgrade has the short timeout (spec.timeout); install and rollback get their own.
  const spec = {
    timeout: '15s',
    install: { timeout: '3m' },
    rollback: { timeout: '3m' },
    upgrade: { remediation: { retries: 1 } },
  };
  await installGood('slow', { ...spec, values: { message: 'good' } });
  await env.apply(helmRelease('slow', { ...spec, values: { message: 'stuck', unschedulable: true } }));

  // The first failure is remediated and retried: Remediated=True RollbackSucceeded while upgradeFailures is 1.
  const first = await waitStatus(
    'slow',
    'the first rollback',
    (x) => x.upgradeFailures === 1 && condition(x, 'Remediated')?.reason === 'RollbackSucceeded',
    240_000,
  );
  assert.equal(condition(first, 'Remediated')?.status, 'True');
  assert.notEqual(condition(first, 'Stalled')?.status, 'True', 'one retry is left');

  const s = await waitStatus(
    'slow',
    'Stalled RetriesExceeded',
    (x) => condition(x, 'Stalled')?.reason === 'RetriesExceeded',
    300_000,
  );
  assert.equal(condition(s, 'Stalled')?.message, 'Failed to upgrade after 2 attempt(s)');
  assert.equal(s.upgradeFailures, 2);
  const remediated = condition(s, 'Remediated');
  assert.equal(remediated?.status, 'True');
  assert.equal(remediated?.reason, 'RollbackSucceeded');
  assert.match(
    remediated?.message ?? '',
    new RegExp(`^Helm rollback to previous release ${ns}/slow\\.v\\d+ with chart app@0\\.1\\.0 succeeded$`),
  );
  assert.equal(condition(s, 'Ready')?.status, 'False');
  assert.equal(condition(s, 'Ready')?.reason, 'RollbackSucceeded');

  // Each upgrade failed on its wait (the same Warning twice, which the recorder may count as one event);
  // each rollback put revision 1's objects back.
  const failed = await warnings('slow', 'UpgradeFailed');
  assert.ok(
    failed.some((m) => m.startsWith(`Helm upgrade failed for release ${ns}/slow with chart app@0.1.0: `)),
    failed.join('\n'),
  );
  const revisions = await helmHistory('slow');
  assert.deepEqual(
    revisions.map((r) => [r.revision, r.status]),
    [
      [1, 'superseded'],
      [2, 'failed'],
      [3, 'superseded'],
      [4, 'failed'],
      [5, 'deployed'],
    ],
  );
  assert.match(revisions[4]?.description ?? '', /^Rollback to 3$/);
  assert.equal(await configMessage('slow'), 'good');
  const deployment = (await env.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'slow' })) as
    { spec?: { template?: { spec?: { nodeSelector?: unknown } } } } | undefined;
  assert.equal(deployment?.spec?.template?.spec?.nodeSelector, undefined, 'the rollback removed the nodeSelector');
  await remove('slow');
});
