// The real `flux` CLI (built by `scripts/provision.sh flux`) as a client of Driftless: get, reconcile,
// suspend/resume, tree, events and stats read and write the same fields they do against Flux; for
// Kustomizations and for a HelmRelease a Kustomization applies (get hr, reconcile hr --with-source, events
// --for HelmRelease/x, tree through the HelmRelease's Helm storage).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { access, constants, mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gitRepoRef, gitRepository, ksRef, kustomization, startTestEnv, type TestEnv } from '../support/env.ts';

type FluxResult = { code: number; stdout: string; stderr: string };

let env: TestEnv;
let fluxBin: string;
let home: string;
const sys = 'flux-system';
const team = 'team-b';
const cm = (ns: string, name: string, value: string): string =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${ns}\ndata:\n  value: "${value}"\n`;
const short = (revision: string): string => revision.replace(/([0-9a-f]{8})[0-9a-f]{32}/, '$1');

/** Runs the flux binary against the test cluster; never throws on a non-zero exit. */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function flux(args: string[]): Promise<FluxResult> {
  const argv = [
    ...args,
    '--kubeconfig',
    env.kubeconfigPath,
    ...(args.includes('--timeout') ? [] : ['--timeout', '30s']),
  ];
  // A clean environment: no FLUX_SYSTEM_NAMESPACE or KUBECONFIG leaking in, and a scratch HOME for kube caches.
  const childEnv = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home };
  return new Promise((resolve) => {
    execFile(fluxBin, argv, { env: childEnv, timeout: 40_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs flux and fails with its output unless it exits 0. */
async function fluxOk(args: string[]): Promise<FluxResult> {
  const res = await flux(args);
  assert.equal(
    res.code,
    0,
    `flux ${args.join(' ')} exited ${res.code}\nstdout:\n${res.stdout}\nstderr:\n${res.stderr}`,
  );
  return res;
}

/** The rows of a flux table as cells: tablewriter pads each cell with spaces and ends it with a tab. */
function rows(stdout: string): string[][] {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) =>
      l
        .replace(/\t\s*$/, '')
        .split('\t')
        .map((c) => c.trim()),
    );
}

function row(stdout: string, first: string, second?: string): string[] {
  const found = rows(stdout).find((r) => r[0] === first && (second === undefined || r[1] === second));
  assert.ok(found, `a row for ${first}${second ? ` ${second}` : ''} in:\n${stdout}`);
  return found;
}

async function specSuspend(ns: string, name: string): Promise<unknown> {
  const obj = (await env.get(ksRef(ns, name))) as unknown as { spec: { suspend?: boolean } } | undefined;
  return obj?.spec.suspend;
}

async function revisionOf(ns: string, name: string): Promise<string> {
  const repo = await env.get(gitRepoRef(ns, name));
  return (repo?.status?.['artifact'] as { revision: string }).revision;
}

before(async () => {
  const binDir = process.env['DRIFTLESS_TEST_BIN_DIR'] ?? path.join(homedir(), '.cache', 'driftless', 'bin');
  fluxBin = path.join(binDir, 'flux');
  await access(fluxBin, constants.X_OK).catch(() => {
    throw new Error(`flux not found or not executable at ${fluxBin}; run scripts/provision.sh flux to build it`);
  });
  env = await startTestEnv();
  home = path.join(env.tmp, 'home');
  await mkdir(home, { recursive: true });
  await env.namespace(sys);
  await env.namespace(team);
  await env.createRepo('app', { 'cm.yaml': cm(sys, 'app-config', '1') });
  await env.createRepo('team', {
    'good/cm.yaml': cm(team, 'team-config', '1'),
    'broken/cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: broken\n  namespace: ${team}\ndata: [unclosed\n`,
  });
  await env.apply(gitRepository(sys, 'app', env.git.repoUrl('app')));
  await env.apply(kustomization(sys, 'app', 'app'));
  await env.apply(gitRepository(team, 'team', env.git.repoUrl('team')));
  await env.apply(kustomization(team, 'team', 'team', { path: './good' }));
  await Promise.all([env.waitForReady(ksRef(sys, 'app')), env.waitForReady(ksRef(team, 'team'))]);
});
after(() => env?.stop());

test('flux get sources git / kustomizations: revision, suspended, ready and message columns', async () => {
  const rev = await revisionOf(sys, 'app');
  assert.match(rev, /^main@sha1:[0-9a-f]{40}$/);

  const src = await fluxOk(['get', 'sources', 'git']);
  assert.deepEqual(rows(src.stdout)[0], ['NAME', 'REVISION', 'SUSPENDED', 'READY', 'MESSAGE']);
  assert.deepEqual(row(src.stdout, 'app'), [
    'app',
    short(rev),
    'False',
    'True',
    `stored artifact for revision '${short(rev)}'`,
  ]);
  assert.ok(!src.stdout.includes('team'), 'only the flux-system namespace by default');

  const ks = await fluxOk(['get', 'kustomizations']);
  assert.deepEqual(rows(ks.stdout)[0], ['NAME', 'REVISION', 'SUSPENDED', 'READY', 'MESSAGE']);
  assert.deepEqual(row(ks.stdout, 'app'), ['app', short(rev), 'False', 'True', `Applied revision: ${short(rev)}`]);

  const other = await fluxOk(['get', 'kustomizations', '-n', team]);
  assert.equal(row(other.stdout, 'team')[3], 'True');
  assert.ok(!rows(other.stdout).some((r) => r[0] === 'app'));

  const all = await fluxOk(['get', 'kustomizations', '-A']);
  assert.deepEqual(rows(all.stdout)[0], ['NAMESPACE', 'NAME', 'REVISION', 'SUSPENDED', 'READY', 'MESSAGE']);
  assert.equal(row(all.stdout, sys, 'app')[4], 'True');
  assert.equal(row(all.stdout, team, 'team')[4], 'True');
  const allSrc = await fluxOk(['get', 'sources', 'git', '-A']);
  assert.match(row(allSrc.stdout, team, 'team')[2] ?? '', /^main@sha1:[0-9a-f]{8}$/);

  const everything = await fluxOk(['get', 'all']);
  assert.match(everything.stdout, /gitrepository\/app/);
  assert.match(everything.stdout, /kustomization\/app/);
});

test('flux reconcile source git and kustomization --with-source apply a new commit', async () => {
  const sha1 = await env.commit('app', { 'cm.yaml': cm(sys, 'app-config', '2') }, 'value 2');
  const src = await fluxOk(['reconcile', 'source', 'git', 'app']);
  assert.match(src.stderr, new RegExp(`fetched revision main@sha1:${sha1}`));
  assert.ok(
    (await env.get(gitRepoRef(sys, 'app')))?.metadata.annotations?.['reconcile.fluxcd.io/requestedAt'],
    'flux set requestedAt',
  );

  const sha2 = await env.commit('app', { 'cm.yaml': cm(sys, 'app-config', '3') }, 'value 3');
  const ks = await fluxOk(['reconcile', 'kustomization', 'app', '--with-source']);
  assert.match(ks.stderr, /annotating GitRepository app in flux-system namespace/);
  assert.match(ks.stderr, new RegExp(`applied revision main@sha1:${sha2}`));
  const obj = await env.get(ksRef(sys, 'app'));
  assert.equal(obj?.status?.['lastHandledReconcileAt'], obj?.metadata.annotations?.['reconcile.fluxcd.io/requestedAt']);
  const config = (await env.get({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    namespace: sys,
    name: 'app-config',
  })) as unknown as { data: { value: string } };
  assert.equal(config.data.value, '3');
});

test('flux suspend / resume kustomization and source toggle spec.suspend and wait for Ready', async () => {
  await fluxOk(['suspend', 'kustomization', 'app']);
  assert.equal(await specSuspend(sys, 'app'), true);
  const got = await fluxOk(['get', 'kustomizations']);
  assert.equal(row(got.stdout, 'app')[2], 'True', 'SUSPENDED column');
  const stats = await fluxOk(['stats']);
  assert.deepEqual(row(stats.stdout, 'Kustomization').slice(1, 4), ['0', '0', '1'], 'running, failing, suspended');
  const refused = await flux(['reconcile', 'kustomization', 'app']);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /resource is suspended/);

  const resumed = await fluxOk(['resume', 'kustomization', 'app']);
  assert.match(resumed.stderr, /Kustomization app reconciliation completed/);
  assert.match(resumed.stderr, /applied revision main@sha1:/);
  assert.notEqual(await specSuspend(sys, 'app'), true);
  assert.equal(row((await fluxOk(['get', 'kustomizations'])).stdout, 'app')[2], 'False');

  await fluxOk(['suspend', 'source', 'git', 'app']);
  assert.equal(row((await fluxOk(['get', 'sources', 'git'])).stdout, 'app')[2], 'True');
  const src = await fluxOk(['resume', 'source', 'git', 'app']);
  assert.match(src.stderr, /GitRepository app reconciliation completed/);
});

test('flux tree kustomization prints the inventory', async () => {
  const res = await fluxOk(['tree', 'kustomization', 'app']);
  assert.match(res.stdout, /^Kustomization\/flux-system\/app$/m);
  assert.match(res.stdout, /ConfigMap\/flux-system\/app-config$/m);
  const other = await fluxOk(['tree', 'kustomization', 'team', '-n', team]);
  assert.match(other.stdout, /ConfigMap\/team-b\/team-config$/m);
});

test('flux events shows the events Driftless recorded', async () => {
  const forKs = await fluxOk(['events', '--for', 'Kustomization/app']);
  assert.deepEqual(rows(forKs.stdout)[0], ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);
  assert.ok(
    rows(forKs.stdout).some(
      (r) => r[1] === 'Normal' && r[2] === 'ReconciliationSucceeded' && r[3] === 'Kustomization/app',
    ),
    forKs.stdout,
  );
  // --for also lists the events of the object's source.
  assert.ok(
    rows(forKs.stdout).some((r) => r[2] === 'NewArtifact' && r[3] === 'GitRepository/app'),
    forKs.stdout,
  );
  assert.match(forKs.stdout, /ConfigMap\/flux-system\/app-config configured/);

  const ns = await fluxOk(['events']);
  assert.ok(
    rows(ns.stdout).some((r) => r[2] === 'NewArtifact' && r[4]?.startsWith("stored artifact for commit 'value")),
    ns.stdout,
  );
  assert.ok(!ns.stdout.includes('team'), 'only flux-system events');
  const all = await fluxOk(['events', '-A']);
  assert.equal(rows(all.stdout)[0]?.[0], 'NAMESPACE');
  assert.ok(
    rows(all.stdout).some((r) => r[0] === team && r[4] === 'Kustomization/team'),
    all.stdout,
  );
});

// Like kustomize-controller, a Kustomization waiting for its source's first artifact records no Warning.
test('flux events --types Warning is empty for healthy objects', async () => {
  const res = await fluxOk(['events', '--types', 'Warning']);
  assert.equal(rows(res.stdout).length, 0, res.stdout);
});

test('flux stats counts reconcilers per namespace and across namespaces', async () => {
  const res = await fluxOk(['stats']);
  assert.deepEqual(rows(res.stdout)[0], ['RECONCILERS', 'RUNNING', 'FAILING', 'SUSPENDED', 'STORAGE']);
  const git = row(res.stdout, 'GitRepository');
  assert.deepEqual(git.slice(1, 4), ['1', '0', '0']);
  assert.match(git[4] ?? '', /^[0-9.]+ [KMG]?i?B$/);
  assert.notEqual(git[4], '0 B', 'artifact sizes are summed');
  assert.deepEqual(row(res.stdout, 'Kustomization').slice(1, 4), ['1', '0', '0']);
  const all = await fluxOk(['stats', '-A']);
  assert.deepEqual(row(all.stdout, 'GitRepository').slice(1, 4), ['2', '0', '0']);
  assert.deepEqual(row(all.stdout, 'Kustomization').slice(1, 4), ['2', '0', '0']);
});

test('a broken manifest: flux reconcile fails, flux get and flux events show the BuildFailed message', async () => {
  await env.apply(kustomization(team, 'broken', 'team', { path: './broken' }));
  const failed = await env.waitForReady(ksRef(team, 'broken'), { status: 'False', reason: 'BuildFailed' });
  const message = failed.status?.conditions?.find((c) => c.type === 'Ready')?.message ?? '';
  assert.match(message, /broken\/cm\.yaml/, 'the message names the file');

  // Ready=False without Stalled is kstatus InProgress (a retryable failure), so `flux reconcile` waits
  // for its --timeout and exits non-zero, exactly as it does against Flux's kustomize-controller.
  const res = await flux(['reconcile', 'kustomization', 'broken', '-n', team, '--timeout', '5s']);
  assert.notEqual(res.code, 0, res.stderr);
  assert.match(res.stderr, /waiting for Kustomization reconciliation\n✗ context deadline exceeded/);
  const handled = await env.get(ksRef(team, 'broken'));
  assert.equal(
    handled?.status?.['lastHandledReconcileAt'],
    handled?.metadata.annotations?.['reconcile.fluxcd.io/requestedAt'],
    'the request was handled',
  );

  const got = await fluxOk(['get', 'kustomizations', '-n', team]);
  // REVISION stays empty: nothing was ever applied from this Kustomization.
  assert.deepEqual(row(got.stdout, 'broken'), ['broken', '', 'False', 'False', message.split('\n')[0]]);
  const stats = await fluxOk(['stats', '-A']);
  assert.deepEqual(row(stats.stdout, 'Kustomization').slice(1, 4), ['3', '1', '0'], 'running, failing, suspended');
  const warnings = await fluxOk(['events', '-n', team, '--for', 'Kustomization/broken', '--types', 'Warning']);
  const warning = rows(warnings.stdout).find(
    (r) => r[1] === 'Warning' && r[2] === 'BuildFailed' && r[3] === 'Kustomization/broken',
  );
  assert.ok(warning, warnings.stdout);
  assert.match(warning[4] ?? '', /broken\/cm\.yaml/);
});

// A HelmRelease applied by a Kustomization, its chart in the same repository: the flux CLI reads the status
// helm-controller writes, walks the HelmChart for --with-source, and `flux tree` reads the release's Helm storage.
test('flux get hr, reconcile hr --with-source, events --for HelmRelease and tree through the release', async () => {
  await env.createRepo('helm', {
    'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\nappVersion: "1.0.0"\n',
    'charts/web/templates/cm.yaml':
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-config\ndata:\n  message: {{ .Values.message | quote }}\n',
    'release/hr.yaml': [
      'apiVersion: helm.toolkit.fluxcd.io/v2',
      'kind: HelmRelease',
      'metadata:',
      '  name: web',
      `  namespace: ${sys}`,
      'spec:',
      '  interval: 10m',
      '  chart:',
      '    spec:',
      '      chart: ./charts/web',
      '      sourceRef: { kind: GitRepository, name: helm }',
      '      interval: 1m',
      '  values: { message: from-helm }',
      '',
    ].join('\n'),
  });
  await env.apply(gitRepository(sys, 'helm', env.git.repoUrl('helm')));
  await env.apply(kustomization(sys, 'helm', 'helm', { path: './release', wait: true, timeout: '3m' }));
  await env.waitForReady(ksRef(sys, 'helm'), {}, 240_000);
  const hrRef = { apiVersion: 'helm.toolkit.fluxcd.io/v2', kind: 'HelmRelease', namespace: sys, name: 'web' };
  await env.waitForReady(hrRef, { reason: 'InstallSucceeded' }, 240_000);

  const hr = rows((await fluxOk(['get', 'helmreleases'])).stdout);
  assert.deepEqual(hr[0], ['NAME', 'REVISION', 'SUSPENDED', 'READY', 'MESSAGE']);
  assert.deepEqual(
    hr.find((r) => r[0] === 'web'),
    ['web', '0.1.0', 'False', 'True', `Helm install succeeded for release ${sys}/web.v1 with chart web@0.1.0`],
  );

  const reconciled = await fluxOk(['reconcile', 'hr', 'web', '--with-source', '--timeout', '90s']);
  assert.match(reconciled.stderr, new RegExp(`annotating HelmChart ${sys}-web in ${sys} namespace`));
  assert.match(reconciled.stderr, /✔ fetched revision 0\.1\.0/);
  assert.match(reconciled.stderr, /✔ applied revision 0\.1\.0/);
  const handled = await env.get(hrRef);
  assert.equal(
    handled?.status?.['lastHandledReconcileAt'],
    handled?.metadata.annotations?.['reconcile.fluxcd.io/requestedAt'],
    'the request was handled',
  );

  const events = rows((await fluxOk(['events', '--for', 'HelmRelease/web'])).stdout);
  assert.ok(
    events.some(
      (r) =>
        r[1] === 'Normal' &&
        r[2] === 'InstallSucceeded' &&
        r[3] === 'HelmRelease/web' &&
        r[4] === `Helm install succeeded for release ${sys}/web.v1 with chart web@0.1.0`,
    ),
    JSON.stringify(events),
  );

  // The HelmRelease in the Kustomization's inventory, and under it the objects of its latest release.
  const tree = await fluxOk(['tree', 'kustomization', 'helm']);
  assert.match(tree.stdout, new RegExp(`^Kustomization/${sys}/helm$`, 'm'));
  assert.match(tree.stdout, new RegExp(`HelmRelease/${sys}/web\n\\s+└── ConfigMap/${sys}/web-config$`, 'm'));
  // Driftless's own tree draws the same, from the HelmRelease's status.inventory, and takes a HelmRelease as root.
  const ours = (...args: string[]) =>
    new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        [path.join(repoRoot, 'bin', 'driftless.js'), 'tree', ...args, '-n', sys, '--kubeconfig', env.kubeconfigPath],
        { timeout: 40_000 },
        (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)),
      ),
    );
  assert.match(
    await ours('kustomization', 'helm'),
    new RegExp(`HelmRelease/${sys}/web\n\\s+└── ConfigMap/${sys}/web-config$`, 'm'),
  );
  assert.equal(await ours('hr', 'web'), `HelmRelease/${sys}/web\n└── ConfigMap/${sys}/web-config\n`);
});
