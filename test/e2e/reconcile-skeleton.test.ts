// The shared reconcile skeleton against the real API server: the status patch deletes removed fields and
// skips no-op writes, and SIGTERM ends `driftless run` within 30 s even while a health check waits.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { patchStatusDiff } from '../../src/runtime/reconcile/status-patch.ts';
import { gitRepoRef, gitRepository, ksRef, kustomization, startTestEnv, type TestEnv } from '../support/env.ts';

let env: TestEnv;
const ns = 'skeleton';

before(async () => {
  env = await startTestEnv({ engine: false });
  await env.namespace(ns);
  await env.createRepo('skeleton', {
    'stuck/deploy.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: stuck
  namespace: ${ns}
spec:
  replicas: 1
  selector:
    matchLabels: {app: stuck}
  template:
    metadata:
      labels: {app: stuck}
    spec:
      nodeSelector: {no-such-node: "true"}
      containers:
        - name: app
          image: example.invalid/stuck:1
`,
  });
});
after(() => env?.stop());

test('the status patch deletes a removed field and does not write when nothing changed', async () => {
  const created = await env.apply({
    ...gitRepository(ns, 'patch-target', 'http://127.0.0.1:1/none.git'),
    spec: {
      url: 'http://127.0.0.1:1/none.git',
      interval: '1h',
      suspend: true,
    },
  } as never);
  const before = { observedIgnore: '/deploy', observedGeneration: 1 };
  const written = await patchStatusDiff(env.client, created, {}, before);
  assert.ok(written);
  const withField = await env.get(gitRepoRef(ns, 'patch-target'));
  assert.equal(withField?.status?.['observedIgnore'], '/deploy');

  await patchStatusDiff(env.client, withField!, withField!.status, { observedGeneration: 1 });
  const removed = await env.get(gitRepoRef(ns, 'patch-target'));
  assert.equal(removed?.status?.['observedIgnore'], undefined, 'the removed field is deleted on the server');
  assert.equal(removed?.status?.['observedGeneration'], 1);

  const rv = removed!.metadata.resourceVersion;
  const same = await patchStatusDiff(env.client, removed!, removed!.status, { observedGeneration: 1 });
  assert.equal(same, removed, 'no request when nothing changed');
  assert.equal((await env.get(gitRepoRef(ns, 'patch-target')))?.metadata.resourceVersion, rv);
});

test('SIGTERM during a health wait with a 5-minute timeout ends the process within 30 s', async () => {
  await env.apply(gitRepository(ns, 'skeleton', env.git.repoUrl('skeleton')));
  await env.apply(kustomization(ns, 'stuck', 'skeleton', { path: './stuck', wait: true, timeout: '5m' }));
  const proc = spawn(
    process.execPath,
    [
      path.resolve('bin/driftless.js'),
      'run',
      `--kubeconfig=${env.kubeconfigPath}`,
      '--metrics-addr=127.0.0.1:0',
      '--health-addr=127.0.0.1:0',
      '--storage-addr=127.0.0.1:0',
      '--receiver-addr=127.0.0.1:0',
      '--events-addr=127.0.0.1:0',
      `--storage-path=${path.join(env.tmp, 'sigterm')}`,
      '--log-level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  try {
    // Observed state: the engine is inside the health wait.
    await env.waitFor(
      'the Kustomization to be running its health checks',
      async () => {
        const ks = await env.get(ksRef(ns, 'stuck'));
        const reconciling = ks?.status?.conditions?.find((c) => c.type === 'Reconciling');
        return reconciling?.status === 'True' && reconciling.message.startsWith('Running health checks');
      },
      120_000,
    );
    proc.kill('SIGTERM');
    const deadline = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 30_000).unref());
    const code = await Promise.race([exited, deadline]);
    assert.notEqual(code, 'timeout', `driftless run did not exit within 30 s of SIGTERM; stderr:\n${stderr}`);
    assert.equal(code, 0, `clean exit expected; stderr:\n${stderr}`);
  } finally {
    proc.kill('SIGKILL');
  }
  // Shutdown writes nothing: the object still says what it was doing, for the next leader to redo.
  const ks = await env.get(ksRef(ns, 'stuck'));
  const reconciling = ks?.status?.conditions?.find((c) => c.type === 'Reconciling');
  assert.equal(reconciling?.status, 'True');
  assert.match(reconciling?.message ?? '', /^Running health checks/);
});
