// `driftless install --instance` and the FluxInstance's components and sharding on the real control plane:
// the instance shapes the installed Deployments (--controllers, one Deployment and artifact Service per shard,
// the main one on `!<key>`), `--export` prints the same objects, `sharding.storage: persistent` is refused by
// name (by the CLI and by the reconciler), and a FluxInstance asking for components or shards no running
// process serves is Ready=False ManagerConfigMismatch naming them, until the spec and the processes agree.
// The processes are real `driftless run` processes (main + one shard) that announce themselves on their Leases.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments, stringify } from 'yaml';
import type { KubeObject } from '../../src/kube/types.ts';
import { startDriftless, type DriftlessProcess } from '../support/driftless-process.ts';
import { startTestEnv, type TestEnv } from '../support/env.ts';

const run = promisify(execFile);
const bin = path.resolve('bin/driftless.js');
const ns = 'flux-system';
const key = 'sharding.fluxcd.io/key';
const instanceRef = { apiVersion: 'fluxcd.controlplane.io/v1', kind: 'FluxInstance', namespace: ns, name: 'flux' };
let env: TestEnv;
const procs: DriftlessProcess[] = [];

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}
type Deployment = KubeObject & {
  spec: { selector: { matchLabels: Record<string, string> }; template: { spec: { containers: { args: string[] }[] } } };
};

const instance = (spec: Record<string, unknown>) => ({
  apiVersion: 'fluxcd.controlplane.io/v1',
  kind: 'FluxInstance',
  metadata: { name: 'flux', namespace: ns },
  spec: { distribution: { version: '2.x', registry: 'ghcr.io/fluxcd' }, ...spec },
});
const asked = {
  components: ['source-controller', 'kustomize-controller', 'helm-controller', 'notification-controller'],
  sharding: { key, shards: ['shard1', 'shard2'] },
};
const argsOf = (d: Deployment | undefined) => d?.spec.template.spec.containers[0]?.args ?? [];
const conditions = async (): Promise<Condition[]> =>
  ((await env.get(instanceRef)) as { status?: { conditions?: Condition[] } } | undefined)?.status?.conditions ?? [];

before(async () => {
  env = await startTestEnv({ engine: false });
});
after(async () => {
  for (const p of procs) p.kill();
  await env?.stop();
});

test('install --instance: components become --controllers, each shard a Deployment of its own; --export agrees', async () => {
  const file = path.join(env.tmp, 'flux.yaml');
  await writeFile(file, stringify(instance(asked)));
  const common = ['install', '--instance', file, '--namespace', ns, '--image', 'driftless:e2e'];
  const exported = await run(process.execPath, [bin, ...common, '--export'], { maxBuffer: 64 * 1024 * 1024 });
  await run(process.execPath, [bin, ...common, '--kubeconfig', env.kubeconfigPath]);

  const deployments = await env.client.list<Deployment>('apps/v1', 'Deployment', { namespace: ns });
  const byName = new Map(deployments.items.map((d) => [d.metadata.name, d]));
  assert.deepEqual([...byName.keys()].sort(), ['driftless', 'driftless-shard1', 'driftless-shard2']);
  const main = argsOf(byName.get('driftless'));
  assert.ok(main.includes(`--controllers=${asked.components.join(',')},operator`), main.join(' '));
  assert.ok(main.includes(`--watch-label-selector=!${key}`));
  assert.ok(main.includes('--web-addr=:9080'));
  for (const shard of asked.sharding.shards) {
    const d = byName.get(`driftless-${shard}`);
    const args = argsOf(d);
    assert.ok(args.includes('--controllers=source-controller,kustomize-controller,helm-controller'), args.join(' '));
    assert.ok(args.includes(`--watch-label-selector=${key}=${shard}`));
    assert.ok(args.includes('--enable-leader-election'), 'each shard elects its own leader');
    // The shard's artifact Service selects the shard's Pods only.
    const service = await env.get({
      apiVersion: 'v1',
      kind: 'Service',
      namespace: ns,
      name: `source-controller-${shard}`,
    });
    assert.deepEqual((service?.['spec'] as { selector: unknown }).selector, d?.spec.selector.matchLabels);
  }
  assert.ok(await env.get(instanceRef), 'the instance itself is applied');
  assert.ok(await env.get({ apiVersion: 'v1', kind: 'Service', namespace: ns, name: 'driftless-web' }));

  // --export prints exactly what was applied.
  const printed = parseAllDocuments(exported.stdout).map((d) => d.toJS() as KubeObject);
  const names = (kind: string) =>
    printed
      .filter((o) => o.kind === kind && o.metadata.namespace === ns)
      .map((o) => o.metadata.name)
      .sort();
  assert.deepEqual(names('Deployment'), [...byName.keys()].sort());
  assert.deepEqual(
    printed.filter((o) => o.kind === 'Deployment').map((d) => argsOf(d as Deployment)),
    ['driftless', 'driftless-shard1', 'driftless-shard2'].map((n) => argsOf(byName.get(n))),
  );
});

test('sharding.storage persistent is refused by name, by install and by the reconciler', async () => {
  const file = path.join(env.tmp, 'persistent.yaml');
  await writeFile(file, stringify(instance({ sharding: { shards: ['a'], storage: 'persistent' } })));
  const r = spawnSync(process.execPath, [bin, 'install', '--instance', file, '--export'], { encoding: 'utf8' });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /spec\.sharding\.storage: persistent is not supported by Driftless \(NotSupported\)/);
  assert.doesNotMatch(r.stdout, /kind: Deployment/, 'nothing is printed for a refused instance');
});

test('a FluxInstance asking for what no running process serves is Ready=False ManagerConfigMismatch, until they agree', async () => {
  const lease = [
    '--enable-leader-election=true',
    '--leader-election-lease-duration=6s',
    '--leader-election-renew-deadline=4s',
    '--leader-election-retry-period=1s',
  ];
  // The main process without helm-controller, and only shard1 of the two shards the instance asks for.
  procs.push(
    await startDriftless({
      kubeconfig: env.kubeconfigPath,
      identity: 'main',
      storageRoot: env.tmp,
      args: [
        ...lease,
        `--watch-label-selector=!${key}`,
        '--controllers=source-controller,kustomize-controller,notification-controller,operator',
      ],
    }),
    await startDriftless({
      kubeconfig: env.kubeconfigPath,
      identity: 'shard1',
      storageRoot: env.tmp,
      args: [
        ...lease,
        `--watch-label-selector=${key}=shard1`,
        '--controllers=source-controller,kustomize-controller,helm-controller',
      ],
    }),
  );
  const [mainProc] = procs;
  const mismatch = await env.waitForReady(instanceRef, { status: 'False', reason: 'ManagerConfigMismatch' }, 90_000);
  const ready = (mismatch as { status?: { conditions?: Condition[] } }).status?.conditions?.find(
    (c) => c.type === 'Ready',
  );
  assert.match(
    ready?.message ?? '',
    /spec\.components lists helm-controller but no running Driftless process serves it/,
  );
  assert.match(
    ready?.message ?? '',
    /spec\.sharding\.shards lists shard2 but no running Driftless process serves it \(one started with --watch-label-selector=sharding\.fluxcd\.io\/key=shard2 --enable-leader-election\)/,
  );
  // Another process starting can fix it: retried, not Stalled.
  assert.ok(!(await conditions()).some((c) => c.type === 'Stalled' && c.status === 'True'));

  // Persistent shard storage, applied directly: refused by name (the reconciler's field check).
  await env.client.patch(instanceRef, { spec: { sharding: { storage: 'persistent' } } }, { type: 'merge' });
  await env.waitFor('Stalled NotSupported naming spec.sharding.storage', async () =>
    (await conditions()).some(
      (c) => c.type === 'Stalled' && c.reason === 'NotSupported' && c.message.includes('spec.sharding.storage'),
    ),
  );

  // The spec brought in line with the processes: what runs is what is asked for.
  await env.client.patch(
    instanceRef,
    {
      spec: {
        components: ['source-controller', 'kustomize-controller', 'notification-controller'],
        sharding: { key, shards: ['shard1'], storage: null },
      },
    },
    { type: 'merge' },
  );
  await env.waitForReady(instanceRef, { reason: 'ReconciliationSucceeded' }, 90_000);

  // This machine runs the tests as root: the process says so once, at start.
  if (process.getuid?.() === 0)
    assert.equal(mainProc?.stderr().match(/running as root \(uid 0\)/g)?.length, 1, mainProc?.stderr());
});
