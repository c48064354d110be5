// Two managers, one Lease: only the leader reconciles; when it is killed the other takes over.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { gitRepoRef, gitRepository, startTestEnv, type TestEnv } from '../support/env.ts';

let env: TestEnv;
const ns = 'ha';
const managers = new Map<string, { proc: ChildProcess; metricsPort: number }>();

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });

async function startManager(identity: string): Promise<void> {
  const [metricsPort, healthPort, storagePort] = [await freePort(), await freePort(), await freePort()];
  const proc = spawn(
    process.execPath,
    [
      path.resolve('bin/driftless.js'),
      'run',
      `--kubeconfig=${env.kubeconfigPath}`,
      `--metrics-addr=127.0.0.1:${metricsPort}`,
      `--health-addr=127.0.0.1:${healthPort}`,
      `--storage-addr=127.0.0.1:${storagePort}`,
      '--receiver-addr=127.0.0.1:0',
      '--events-addr=127.0.0.1:0',
      `--storage-path=${path.join(env.tmp, identity)}`,
      '--enable-leader-election',
      '--leader-election-lease-duration=6s',
      '--leader-election-renew-deadline=4s',
      '--leader-election-retry-period=1s',
      `--identity=${identity}`,
      '--log-level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  proc.stderr?.resume();
  managers.set(identity, { proc, metricsPort });
}

const holder = async (): Promise<string | undefined> =>
  (
    (await env.get({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      namespace: 'flux-system',
      name: 'driftless-leader-election',
    })) as unknown as { spec?: { holderIdentity?: string } } | undefined
  )?.spec?.holderIdentity || undefined;

const reconciles = async (identity: string): Promise<number> => {
  const text = await (await fetch(`http://127.0.0.1:${managers.get(identity)!.metricsPort}/metrics`)).text();
  const m = /controller_runtime_reconcile_total\{controller="gitrepository",result="requeue_after"\} (\d+)/.exec(text);
  return m ? Number(m[1]) : 0;
};

before(async () => {
  env = await startTestEnv({ engine: false });
  await env.namespace(ns);
  await env.createRepo('ha', {
    'cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ha\n  namespace: ${ns}\n`,
  });
  await startManager('manager-a');
  await startManager('manager-b');
});
after(async () => {
  for (const { proc } of managers.values()) proc.kill('SIGKILL');
  await env?.stop();
});

test('only the leader reconciles, and the follower takes over when the leader is killed', async () => {
  const leader = await env.waitFor('a leader', holder, 60_000);
  const follower = leader === 'manager-a' ? 'manager-b' : 'manager-a';
  await env.apply(gitRepository(ns, 'ha', env.git.repoUrl('ha')));
  await env.waitForReady(gitRepoRef(ns, 'ha'));
  await env.waitFor('the leader to count its reconcile', async () => (await reconciles(leader)) > 0);
  assert.equal(await reconciles(follower), 0, 'the follower did not reconcile');

  managers.get(leader)!.proc.kill('SIGKILL');
  await env.waitFor('the follower to take the lease', async () => (await holder()) === follower, 60_000);
  const sha = await env.commit('ha', {
    'cm2.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ha2\n  namespace: ${ns}\n`,
  });
  await env.client.patch(gitRepoRef(ns, 'ha'), {
    metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': 'after-failover' } },
  });
  await env.waitFor('the new leader to fetch the new commit', async () =>
    (
      (await env.get(gitRepoRef(ns, 'ha')))?.status?.['artifact'] as { revision?: string } | undefined
    )?.revision?.endsWith(sha),
  );
  assert.ok((await reconciles(follower)) > 0, 'the new leader reconciles');
});
