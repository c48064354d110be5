// The user-facing CLI run as a user runs it (`node bin/driftless.js …`) against the real control plane and engine.
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { gitRepository, ksRef, kustomization, startTestEnv, type TestEnv } from '../support/env.ts';

const bin = fileURLToPath(new URL('../../bin/driftless.js', import.meta.url));
const ns = 'cli';
let env: TestEnv;

const cm = (name: string, value: string): string =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${ns}\ndata:\n  value: "${value}"\n`;
const childKs = `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: child\n  namespace: ${ns}\nspec:\n  interval: 1m\n  prune: true\n  path: ./more\n  sourceRef:\n    kind: GitRepository\n    name: cli\n`;
const files = {
  'apps/one.yaml': cm('one', '${greeting}'),
  'apps/two.yaml': cm('two', 'plain'),
  'more/three.yaml': cm('three', '3'),
  'parent/child.yaml': childKs,
};

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with the test cluster's kubeconfig; never rejects, so exit codes can be asserted. */
function cli(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args, '--kubeconfig', env.kubeconfigPath],
      { timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const describe = (r: Run): string => `exit ${r.code}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;

before(async () => {
  // Drift watching would undo the manual change the diff test makes before the CLI could see it.
  env = await startTestEnv({ config: { driftWatch: false } });
  await env.namespace(ns);
  await env.createRepo('cli', files);
  await env.apply({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'vars', namespace: ns },
    data: { greeting: 'hello' },
  });
  await env.apply(gitRepository(ns, 'cli', env.git.repoUrl('cli')));
  await env.apply(
    kustomization(ns, 'cli', 'cli', {
      path: './apps',
      postBuild: { substituteFrom: [{ kind: 'ConfigMap', name: 'vars' }] },
      commonMetadata: { labels: { team: 'cli' } },
    }),
  );
  await env.apply(kustomization(ns, 'parent', 'cli', { path: './parent' }));
  await env.apply(kustomization(ns, 'broken', 'cli', { path: './missing' }));
  await env.waitForReady(ksRef(ns, 'cli'));
  await env.waitForReady(ksRef(ns, 'child'));
  await env.waitForReady(ksRef(ns, 'broken'), { status: 'False' });
});
after(() => env?.stop());

test('get prints Flux columns as a table and the objects as JSON', async () => {
  const [table, json, all, missing] = await Promise.all([
    cli('get', 'kustomizations', '-n', ns),
    cli('get', 'ks', 'cli', '-n', ns, '-o', 'json'),
    cli('get', 'all', '-A'),
    cli('get', 'ks', 'nope', '-n', ns),
  ]);
  assert.equal(table.code, 0, describe(table));
  const lines = table.stdout.trimEnd().split('\n');
  assert.deepEqual(
    lines[0]?.split('\t').map((c) => c.trim()),
    ['NAME', 'REVISION', 'SUSPENDED', 'READY', 'MESSAGE'],
  );
  const row = lines
    .find((l) => l.startsWith('cli'))
    ?.split('\t')
    .map((c) => c.trim());
  assert.match(row?.[1] ?? '', /^main@sha1:[0-9a-f]{8}$/, 'revision with the hash shortened');
  assert.deepEqual(row?.slice(2, 4), ['False', 'True']);
  assert.equal(row?.[4], `Applied revision: ${row?.[1]}`);
  assert.match(lines.find((l) => l.startsWith('broken')) ?? '', /\tFalse\s*\tFalse\s*\t.*missing/);

  assert.equal(json.code, 0, describe(json));
  const obj = JSON.parse(json.stdout) as {
    kind: string;
    metadata: { name: string; managedFields?: unknown };
    status: { lastAppliedRevision: string };
  };
  assert.equal(obj.kind, 'Kustomization');
  assert.equal(obj.metadata.name, 'cli');
  assert.equal(obj.metadata.managedFields, undefined);
  assert.match(obj.status.lastAppliedRevision, /^main@sha1:[0-9a-f]{40}$/);

  assert.equal(all.code, 0, describe(all));
  assert.match(all.stdout, /^NAMESPACE\s*\tNAME/m);
  assert.match(all.stdout, /^cli\s*\tgitrepository\/cli\s*\tmain@sha1:/m);
  assert.match(all.stdout, /^cli\s*\tkustomization\/child\s/m);

  assert.equal(missing.code, 1, describe(missing));
  assert.match(missing.stderr, /✗ Kustomization object 'nope' not found in "cli" namespace/);
});

test('reconcile --with-source waits for both and exits 0; a failing object exits 1 with its reason', async () => {
  const [ok, failed] = await Promise.all([
    cli('reconcile', 'ks', 'cli', '-n', ns, '--with-source'),
    cli('reconcile', 'kustomization', 'broken', '-n', ns),
  ]);
  assert.equal(ok.code, 0, describe(ok));
  const steps = ok.stderr.trimEnd().split('\n');
  assert.deepEqual(steps.slice(0, 3), [
    '► annotating GitRepository cli in cli namespace',
    '✔ GitRepository annotated',
    '◎ waiting for GitRepository reconciliation',
  ]);
  assert.match(steps[3] ?? '', /^✔ fetched revision main@sha1:[0-9a-f]{40}$/);
  assert.match(steps.at(-1) ?? '', /^✔ applied revision main@sha1:[0-9a-f]{40}$/);
  const ks = await env.get(ksRef(ns, 'cli'));
  assert.match(
    String(ks?.metadata.annotations?.['reconcile.fluxcd.io/requestedAt']),
    /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/,
  );
  assert.equal(ks?.status?.['lastHandledReconcileAt'], ks?.metadata.annotations?.['reconcile.fluxcd.io/requestedAt']);

  assert.equal(failed.code, 1, describe(failed));
  assert.match(failed.stderr, /^✗ (ArtifactFailed|BuildFailed): .*missing/m);
});

test('suspend refuses reconciles until resume, which waits for the object to be ready again', async () => {
  const suspended = await cli('suspend', 'ks', 'cli', '-n', ns);
  assert.equal(suspended.code, 0, describe(suspended));
  assert.match(suspended.stderr, /► suspending kustomization cli in cli namespace\n✔ kustomization suspended/);
  assert.equal(
    ((await env.get(ksRef(ns, 'cli'))) as { spec?: { suspend?: boolean } } | undefined)?.spec?.suspend,
    true,
  );
  const refused = await cli('reconcile', 'ks', 'cli', '-n', ns);
  assert.equal(refused.code, 1, describe(refused));
  assert.match(refused.stderr, /✗ Kustomization cli\/cli is suspended.*driftless resume kustomization cli -n cli/);

  const resumed = await cli('resume', 'ks', 'cli', '-n', ns);
  assert.equal(resumed.code, 0, describe(resumed));
  assert.match(
    resumed.stderr,
    /◎ waiting for Kustomization reconciliation\n✔ Kustomization cli reconciliation completed\n✔ applied revision main@sha1:/,
  );
  const ks = (await env.get(ksRef(ns, 'cli'))) as { spec?: { suspend?: boolean } } | undefined;
  assert.equal(ks?.spec?.suspend, undefined);
});

test('events --for shows the object and its source, oldest first', async () => {
  const r = await cli('events', '--for', 'Kustomization/broken', '-n', ns);
  assert.equal(r.code, 0, describe(r));
  const lines = r.stdout.trimEnd().split('\n');
  assert.deepEqual(
    lines[0]?.split('\t').map((c) => c.trim()),
    ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'],
  );
  assert.ok(
    lines.some((l) => /\tWarning\s*\t\w+\s*\tKustomization\/broken\s*\t.*missing/.test(l)),
    describe(r),
  );
  assert.ok(
    lines.some((l) => /\tGitRepository\/cli\s*\t/.test(l)),
    'the source events are included',
  );
  assert.ok(!lines.some((l) => l.includes('Kustomization/cli\t')), 'other objects are left out');
});

test('tree expands nested Kustomizations from the inventory', async () => {
  const r = await cli('tree', 'kustomization', 'parent', '-n', ns);
  assert.equal(r.code, 0, describe(r));
  assert.equal(
    r.stdout,
    ['Kustomization/cli/parent', '└── Kustomization/cli/child', '    └── ConfigMap/cli/three', ''].join('\n'),
  );
});

test('stats counts the objects when there is no FluxReport to read', async () => {
  // Another namespace for the report keeps this on the fallback path even once the manager writes a FluxReport.
  const r = await cli('stats', '--report-namespace', 'no-such-namespace');
  assert.equal(r.code, 0, describe(r));
  const rows = r.stdout
    .trimEnd()
    .split('\n')
    .map((l) => l.split('\t').map((c) => c.trim()));
  assert.deepEqual(rows[0], ['RECONCILERS', 'RUNNING', 'FAILING', 'SUSPENDED', 'STORAGE']);
  const ks = rows.find((x) => x[0] === 'Kustomization');
  const git = rows.find((x) => x[0] === 'GitRepository');
  assert.deepEqual(ks, ['Kustomization', '4', '1', '0', '-'], describe(r));
  assert.deepEqual(git?.slice(0, 4), ['GitRepository', '1', '0', '0']);
  assert.match(git?.[4] ?? '', /^\d+(\.\d)? (B|KiB)$/);
  assert.match(r.stderr, /no FluxReport no-such-namespace\/flux: computed from the objects in all namespaces/);
});

test('build renders local files with the overlays and substitutions; diff exits 1 on changes and 0 in sync', async () => {
  const local = path.join(env.tmp, 'local');
  await mkdir(path.join(local, 'apps'), { recursive: true });
  await writeFile(path.join(local, 'apps/one.yaml'), files['apps/one.yaml']);
  await writeFile(path.join(local, 'apps/two.yaml'), files['apps/two.yaml']);
  const apps = path.join(local, 'apps');

  const built = await cli('build', 'kustomization', 'cli', '-n', ns, '--path', apps);
  assert.equal(built.code, 0, describe(built));
  assert.match(built.stdout, /name: one\n {2}namespace: cli\n {2}labels:\n {4}team: cli\ndata:\n {2}value: hello\n/);
  assert.match(built.stdout, /^---$/m);

  const inSync = await cli('diff', 'ks', 'cli', '-n', ns, '--path', apps);
  assert.equal(inSync.code, 0, describe(inSync));
  assert.equal(inSync.stdout, '');

  await writeFile(path.join(local, 'apps/one.yaml'), cm('one', 'local-${greeting}'));
  await writeFile(path.join(local, 'apps/two.yaml'), '');
  await env.client.patch(
    { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'one' },
    { data: { value: 'hello' }, metadata: { labels: { team: 'manual' } } },
  );
  const changed = await cli('diff', 'ks', 'cli', '-n', ns, '--path', apps);
  assert.equal(changed.code, 1, describe(changed));
  assert.match(changed.stdout, /► ConfigMap\/cli\/one drifted\n/);
  assert.match(changed.stdout, /\/data\/value\n {4}- hello\n {4}\+ local-hello\n/);
  assert.match(changed.stdout, /\/metadata\/labels\/team\n {4}- manual\n {4}\+ cli\n/);
  assert.match(changed.stdout, /► ConfigMap\/cli\/two deleted\n/);

  const broken = await cli('diff', 'ks', 'cli', '-n', ns, '--path', path.join(local, 'nope'));
  assert.equal(broken.code, 2, describe(broken));
  assert.match(broken.stderr, /✗ invalid resource path/);
});
