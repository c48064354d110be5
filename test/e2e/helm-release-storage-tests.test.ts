// HelmRelease end to end, part two: release storage in another namespace than the release (Flux's common
// `targetNamespace` only, storage in the HelmRelease's namespace) and Helm test hooks run to the end by the
// fake node (kwok's run-to-completion stages; `driftless.dev/fake-pod-phase: Failed` makes a test Pod fail),
// with the remediation helm-controller applies to a failed test; the driftless CLI's verbs for the Helm kinds
// (get, reconcile --with-source, suspend/resume, diff). The real helm CLI reads what was stored.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiVersions } from '../../src/api/constants.ts';
import { fakePodPhaseAnnotation } from '../../src/devenv/control-plane/kwok-stages.ts';
import type { KubeObject } from '../../src/kube/types.ts';
import { gitRepository, ref, startTestEnv, type TestEnv } from '../support/env.ts';

const binDir = process.env['DRIFTLESS_TEST_BIN_DIR'] ?? path.join(homedir(), '.cache', 'driftless', 'bin');
const helmBin = path.join(binDir, 'helm');
const ns = 'hr-e2e-2';
const fluxNs = 'flux-system';
const appsNs = 'apps';

let env: TestEnv;

// One ConfigMap, and a test hook Pod that the fake node completes (or fails, on request).
const chartFiles = {
  'charts/app/Chart.yaml': 'apiVersion: v2\nname: app\nversion: 0.1.0\nappVersion: "1.0.0"\n',
  'charts/app/values.yaml': 'message: hello\ntestPhase: Succeeded\n',
  'charts/app/templates/cm.yaml': [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    '  name: {{ .Release.Name }}-config',
    'data:',
    '  message: {{ .Values.message | quote }}',
    '',
  ].join('\n'),
  'charts/app/templates/tests/check.yaml': [
    'apiVersion: v1',
    'kind: Pod',
    'metadata:',
    '  name: {{ .Release.Name }}-check',
    '  annotations:',
    '    helm.sh/hook: test',
    `    ${fakePodPhaseAnnotation}: {{ .Values.testPhase | quote }}`,
    'spec:',
    '  restartPolicy: Never',
    '  containers:',
    '    - name: check',
    '      image: example.invalid/check:1',
    '',
  ].join('\n'),
};

type Cond = { type: string; status: string; reason: string; message: string };
type Snapshot = {
  name: string;
  namespace: string;
  version: number;
  status: string;
  testHooks?: Record<string, { phase?: string }>;
};
type HrStatus = {
  conditions?: Cond[];
  history?: Snapshot[];
  storageNamespace?: string;
  upgradeFailures?: number;
  installFailures?: number;
};

const hrRef = (namespace: string, name: string) => ref(ApiVersions.helm, 'HelmRelease', namespace, name);
const helmRelease = (namespace: string, name: string, spec: Record<string, unknown>): KubeObject => ({
  apiVersion: ApiVersions.helm,
  kind: 'HelmRelease',
  metadata: { name, namespace },
  spec: {
    interval: '10m',
    timeout: '2m',
    chart: {
      spec: {
        chart: './charts/app',
        sourceRef: { kind: 'GitRepository', name: 'charts', namespace: ns },
        interval: '1m',
      },
    },
    ...spec,
  },
});

const statusOf = async (namespace: string, name: string): Promise<HrStatus> =>
  ((await env.get(hrRef(namespace, name))) as unknown as { status?: HrStatus } | undefined)?.status ?? {};
const condition = (s: HrStatus, type: string): Cond | undefined => s.conditions?.find((c) => c.type === type);
const waitStatus = (namespace: string, name: string, what: string, check: (s: HrStatus) => boolean) => {
  let last: HrStatus = {};
  return env.waitFor(
    () => `HelmRelease ${namespace}/${name}: ${what} (last: ${JSON.stringify(last.conditions)})`,
    async () => {
      last = await statusOf(namespace, name);
      return check(last) ? last : undefined;
    },
    180_000,
  );
};

function helm(args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      helmBin,
      [...args, '--kubeconfig', env.kubeconfigPath],
      { timeout: 60_000, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: env.tmp } },
      (err, stdout, stderr) => (err ? reject(new Error(`helm ${args.join(' ')}: ${stderr}`)) : resolve(stdout)),
    ),
  );
}
type Listed = { name: string; namespace: string; revision: string; status: string; chart: string };
const listed = async (namespace: string): Promise<Listed[]> =>
  JSON.parse(await helm(['list', '--namespace', namespace, '-o', 'json'])) as Listed[];
const releaseSecrets = async (namespace: string, release: string): Promise<string[]> =>
  (await env.client.list('v1', 'Secret', { namespace, labelSelector: `owner=helm,name=${release}` })).items
    .map((s) => s.metadata.name)
    .sort();
const configMessage = async (namespace: string, name: string): Promise<string | undefined> =>
  (
    (await env.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name })) as unknown as
      { data?: { message?: string } } | undefined
  )?.data?.message;

before(async () => {
  await access(helmBin, constants.X_OK).catch(() => {
    throw new Error(`${helmBin} not found; run scripts/provision.sh helm`);
  });
  env = await startTestEnv();
  for (const n of [ns, fluxNs, appsNs]) await env.namespace(n);
  await env.createRepo('charts', chartFiles);
  await env.apply(gitRepository(ns, 'charts', env.git.repoUrl('charts')));
});
after(() => env?.stop());

test('targetNamespace only: objects in the target namespace, release Secrets in the HelmRelease namespace', async () => {
  await env.apply(helmRelease(fluxNs, 'web', { targetNamespace: appsNs, values: { message: 'one' } }));
  await env.waitForReady(hrRef(fluxNs, 'web'), { reason: 'InstallSucceeded' }, 180_000);
  let s = await statusOf(fluxNs, 'web');
  assert.equal(
    condition(s, 'Ready')?.message,
    `Helm install succeeded for release ${appsNs}/apps-web.v1 with chart app@0.1.0`,
  );
  assert.equal(s.storageNamespace, fluxNs, 'storageNamespace defaults to the HelmRelease namespace');
  assert.equal(s.history?.[0]?.namespace, appsNs);
  assert.equal(s.history?.[0]?.name, 'apps-web');
  assert.equal(await configMessage(appsNs, 'apps-web-config'), 'one');
  assert.equal(await configMessage(fluxNs, 'apps-web-config'), undefined);
  assert.deepEqual(await releaseSecrets(fluxNs, 'apps-web'), ['sh.helm.release.v1.apps-web.v1']);
  assert.deepEqual(await releaseSecrets(appsNs, 'apps-web'), []);
  // status.inventory puts the objects in the release's namespace (the target), not the storage's; the
  // chart's test hook is not in it.
  assert.deepEqual((s as { inventory?: unknown }).inventory, {
    entries: [{ id: `${appsNs}_apps-web-config__ConfigMap`, v: 'v1' }],
  });

  // The real helm reads the storage namespace and shows the release in its own namespace, as for Flux.
  const [rel] = (await listed(fluxNs)).filter((r) => r.name === 'apps-web');
  assert.equal(rel?.namespace, appsNs);
  assert.equal(rel?.revision, '1');
  assert.equal(rel?.status, 'deployed');
  assert.equal(rel?.chart, 'app-0.1.0');
  assert.equal(
    (await listed(appsNs)).find((r) => r.name === 'apps-web'),
    undefined,
  );

  // An upgrade finds the release in the storage namespace (a wrong one would install afresh).
  await env.apply(helmRelease(fluxNs, 'web', { targetNamespace: appsNs, values: { message: 'two' } }));
  s = await waitStatus(
    fluxNs,
    'web',
    'upgraded to revision 2',
    (x) => x.history?.[0]?.version === 2 && condition(x, 'Ready')?.reason === 'UpgradeSucceeded',
  );
  assert.equal(await configMessage(appsNs, 'apps-web-config'), 'two');
  assert.deepEqual(await releaseSecrets(fluxNs, 'apps-web'), [
    'sh.helm.release.v1.apps-web.v1',
    'sh.helm.release.v1.apps-web.v2',
  ]);
  const history = JSON.parse(await helm(['history', 'apps-web', '--namespace', fluxNs, '-o', 'json'])) as {
    revision: number;
    status: string;
  }[];
  assert.deepEqual(
    history.map((h) => [h.revision, h.status]),
    [
      [1, 'superseded'],
      [2, 'deployed'],
    ],
  );

  // Deleting the HelmRelease uninstalls from both namespaces.
  await env.client.delete(hrRef(fluxNs, 'web'));
  await env.waitFor('HelmRelease web gone', async () => (await env.get(hrRef(fluxNs, 'web'))) === undefined, 120_000);
  assert.equal(await configMessage(appsNs, 'apps-web-config'), undefined);
  assert.deepEqual(await releaseSecrets(fluxNs, 'apps-web'), []);
});

test('a test hook that succeeds: Ready TestSucceeded, the hook in history', async () => {
  await env.apply(helmRelease(ns, 'tested', { test: { enable: true } }));
  const ready = await env.waitForReady(hrRef(ns, 'tested'), { reason: 'TestSucceeded' }, 180_000);
  const s = (ready as unknown as { status: HrStatus }).status;
  assert.equal(
    condition(s, 'TestSuccess')?.message,
    `Helm test succeeded for release ${ns}/tested.v1 with chart app@0.1.0: 1 test hook completed successfully`,
  );
  assert.equal(condition(s, 'TestSuccess')?.status, 'True');
  assert.equal(condition(s, 'Released')?.reason, 'InstallSucceeded');
  assert.deepEqual(Object.keys(s.history?.[0]?.testHooks ?? {}), ['tested-check']);
  assert.equal(s.history?.[0]?.testHooks?.['tested-check']?.phase, 'Succeeded');
});

const bin = fileURLToPath(new URL('../../bin/driftless.js', import.meta.url));
/** Runs the Driftless CLI against the test cluster; never rejects, so exit codes can be asserted. */
function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(
      process.execPath,
      [bin, ...args, '--kubeconfig', env.kubeconfigPath],
      { timeout: 120_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    ),
  );
}

test('driftless get / reconcile --with-source / suspend / diff / resume for the Helm kinds', async () => {
  const got = await cli('get', 'hr', '-n', ns);
  assert.equal(got.code, 0, got.stderr);
  assert.match(
    got.stdout,
    /^NAME\s+REVISION\s+SUSPENDED\s+READY\s+MESSAGE\s*\ntested\s+0\.1\.0\s+False\s+True\s+Helm test succeeded/m,
  );
  const charts = await cli('get', 'sources', 'chart', '-n', ns);
  assert.equal(charts.code, 0, charts.stderr);
  assert.match(charts.stdout, new RegExp(`^${ns}-tested\\s+0\\.1\\.0\\s+False\\s+True`, 'm'));
  const all = await cli('get', 'all', '-n', ns);
  assert.match(all.stdout, /^helmchart\/hr-e2e-2-tested\s/m);
  assert.match(all.stdout, /^helmrelease\/tested\s+0\.1\.0/m);

  const reconciled = await cli('reconcile', 'hr', 'tested', '-n', ns, '--with-source');
  assert.equal(reconciled.code, 0, `${reconciled.stdout}\n${reconciled.stderr}`);
  assert.match(reconciled.stderr, /HelmChart .*hr-e2e-2-tested/);
  assert.match(reconciled.stderr, /✔ applied revision 0\.1\.0/);

  const suspended = await cli('suspend', 'hr', 'tested', '-n', ns);
  assert.equal(suspended.code, 0, suspended.stderr);
  assert.equal(
    ((await env.get(hrRef(ns, 'tested'))) as { spec?: { suspend?: boolean } } | undefined)?.spec?.suspend,
    true,
  );

  // diff: nothing while the spec matches the release; a values change shows as the ConfigMap drifting.
  const same = await cli('diff', 'hr', 'tested', '-n', ns);
  assert.equal(same.code, 0, `${same.stdout}\n${same.stderr}`);
  assert.equal(same.stdout, '');
  await env.apply(helmRelease(ns, 'tested', { test: { enable: true }, values: { message: 'diffed' } }));
  const changed = await cli('diff', 'helmrelease', 'tested', '-n', ns);
  assert.equal(changed.code, 1, `${changed.stdout}\n${changed.stderr}`);
  assert.ok(
    changed.stdout.includes(`► ConfigMap/${ns}/tested-config drifted\n  /data/message\n    - hello\n    + diffed\n`),
    changed.stdout,
  );
  const missing = await cli('diff', 'hr', 'nope', '-n', ns);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /HelmRelease object 'nope' not found/);
  await env.apply(helmRelease(ns, 'tested', { test: { enable: true } }));
  const resumed = await cli('resume', 'helmrelease', 'tested', '-n', ns);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal(
    ((await env.get(hrRef(ns, 'tested'))) as { spec?: { suspend?: boolean } } | undefined)?.spec?.suspend,
    undefined,
  );
});

test('a test hook that fails after an upgrade: TestFailed, rolled back (upgrade remediation strategy rollback)', async () => {
  await env.apply(
    helmRelease(ns, 'tested', {
      test: { enable: true },
      values: { message: 'broken', testPhase: 'Failed' },
      upgrade: { remediation: { remediateLastFailure: true } },
    }),
  );
  const s = await waitStatus(
    ns,
    'tested',
    'rolled back after a failed test',
    (x) => condition(x, 'Remediated')?.reason === 'RollbackSucceeded' && condition(x, 'Stalled')?.status === 'True',
  );
  assert.equal(condition(s, 'Ready')?.status, 'False');
  assert.equal(condition(s, 'Ready')?.reason, 'RollbackSucceeded');
  assert.equal(condition(s, 'TestSuccess')?.reason, 'TestFailed');
  assert.match(condition(s, 'TestSuccess')?.message ?? '', /^Helm test failed for release hr-e2e-2\/tested\.v2 /);
  assert.equal(condition(s, 'Stalled')?.reason, 'RetriesExceeded');
  assert.equal(condition(s, 'Stalled')?.message, 'Failed to upgrade after 1 attempt(s)');
  assert.equal(s.upgradeFailures, 1);
  assert.deepEqual(
    (s.history ?? []).map((h) => [h.version, h.status]),
    [
      [3, 'deployed'],
      [2, 'superseded'],
      [1, 'superseded'],
    ],
  );
  assert.equal(s.history?.[1]?.testHooks?.['tested-check']?.phase, 'Failed');
  // Revision 3 is revision 1 again: the ConfigMap has the chart's default message.
  assert.equal(await configMessage(ns, 'tested-config'), 'hello');
  const rel = (await listed(ns)).find((r) => r.name === 'tested');
  assert.equal(rel?.revision, '3');
  assert.equal(rel?.status, 'deployed');
});

test('a test hook that fails after an install: uninstalled (install remediation)', async () => {
  await env.apply(
    helmRelease(ns, 'fresh', {
      test: { enable: true },
      values: { testPhase: 'Failed' },
      install: { remediation: { remediateLastFailure: true } },
    }),
  );
  const s = await waitStatus(
    ns,
    'fresh',
    'uninstalled after a failed test',
    (x) => condition(x, 'Remediated')?.reason === 'UninstallSucceeded' && condition(x, 'Stalled')?.status === 'True',
  );
  assert.equal(condition(s, 'Ready')?.reason, 'UninstallSucceeded');
  assert.equal(condition(s, 'TestSuccess')?.reason, 'TestFailed');
  assert.equal(condition(s, 'Stalled')?.message, 'Failed to install after 1 attempt(s)');
  assert.equal(s.installFailures, 1);
  assert.equal(s.history?.[0]?.status, 'uninstalled');
  assert.equal(await configMessage(ns, 'fresh-config'), undefined);
  assert.equal(
    (await listed(ns)).find((r) => r.name === 'fresh'),
    undefined,
  );
});
