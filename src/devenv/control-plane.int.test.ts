import { AppsV1Api, CoreV1Api, KubeConfig, VersionApi, type V1Deployment } from '@kubernetes/client-node';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { request, type RequestOptions } from 'node:https';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ControlPlaneError,
  ControlPlaneReason,
  controlPlaneStatus,
  fakeNodeName,
  startControlPlane,
} from './control-plane.ts';

const binDir = join(homedir(), '.cache', 'driftless', 'bin');

/** Polls `check` every 200 ms until it returns a value, failing with `what` after `ms`. */
async function eventually<T>(what: string, ms: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await sleep(200);
  }
  assert.fail(`${what} did not happen within ${ms} ms (last error: ${String(last)})`);
}

/** GETs `path` as the kubeconfig's admin, optionally impersonating `as`; resolves to the HTTP status. */
async function getStatus(kc: KubeConfig, path: string, as?: string): Promise<number> {
  const opts: RequestOptions = { method: 'GET', headers: as ? { 'Impersonate-User': as } : {} };
  await kc.applyToHTTPSOptions(opts);
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, kc.getCurrentCluster()?.server), opts, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

const deployment: V1Deployment = {
  metadata: { name: 'web', labels: { app: 'web' } },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image: 'example.invalid/web:1' }] },
    },
  },
};

void test('a local control plane rolls out Deployments, finalizes namespaces, enforces RBAC and stops cleanly', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'driftless-cp-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const lines: string[] = [];
  const cp = await startControlPlane({ dir, binDir, log: (l) => lines.push(l) });
  t.after(() => cp.stop());
  assert.match(cp.server, /^https:\/\/127\.0\.0\.1:\d+$/);
  assert.ok(
    lines.some((l) => l.includes('kube-apiserver /readyz')),
    lines.join('\n'),
  );

  const kc = new KubeConfig();
  kc.loadFromFile(cp.kubeconfigPath);
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);

  const version = await kc.makeApiClient(VersionApi).getCode();
  assert.equal(version.gitVersion, 'v1.34.4');

  // A second start over a live dir must refuse rather than orphan the running processes.
  await assert.rejects(startControlPlane({ dir, binDir }), (err: unknown) => {
    assert.ok(err instanceof ControlPlaneError);
    assert.equal(err.reason, ControlPlaneReason.AlreadyRunning);
    return true;
  });

  await apps.createNamespacedDeployment({ namespace: 'default', body: deployment });
  await eventually('Deployment web Available', 25_000, async () => {
    const d = await apps.readNamespacedDeployment({ name: 'web', namespace: 'default' });
    const available = d.status?.conditions?.some((c) => c.type === 'Available' && c.status === 'True');
    return available && d.status?.availableReplicas === 1 ? d : undefined;
  });
  const pods = await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=web' });
  assert.equal(pods.items.length, 1);
  const pod = pods.items[0];
  assert.equal(pod?.spec?.nodeName, fakeNodeName);
  assert.equal(pod?.status?.phase, 'Running');
  assert.ok(pod?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));

  await core.createNamespace({ body: { metadata: { name: 'doomed' } } });
  await core.deleteNamespace({ name: 'doomed' });
  await eventually('Namespace doomed removed', 25_000, async () => {
    const gone = await core.readNamespace({ name: 'doomed' }).then(
      () => false,
      (err: unknown) => (err as { code?: number }).code === 404,
    );
    return gone ? true : undefined;
  });

  assert.equal(await getStatus(kc, '/api/v1/namespaces/default/secrets'), 200);
  assert.equal(await getStatus(kc, '/api/v1/namespaces/default/secrets', 'system:serviceaccount:default:nobody'), 403);

  const before = await controlPlaneStatus(dir);
  assert.equal(before.running, true);
  assert.equal(before.server, cp.server);
  await cp.stop();
  const after = await controlPlaneStatus(dir);
  assert.deepEqual(
    after.processes.map((p) => [p.component, p.running, p.pid]),
    before.processes.map((p) => [p.component, false, undefined]),
  );
  for (const p of before.processes) {
    assert.ok(p.pid);
    const pid = p.pid;
    await eventually(`${p.component} (pid ${pid}) gone`, 5_000, async () => {
      try {
        process.kill(pid, 0);
        return undefined;
      } catch {
        return true;
      }
    });
  }
});

void test('startControlPlane names a missing binary and a process that dies at start', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'driftless-cp-'));
  t.after(() => rm(dir, { recursive: true, force: true }));

  await assert.rejects(startControlPlane({ dir: join(dir, 'a'), binDir: join(dir, 'empty') }), (err: unknown) => {
    assert.ok(err instanceof ControlPlaneError);
    assert.equal(err.reason, ControlPlaneReason.MissingBinary);
    assert.match(err.message, /etcd not found .*provision\.sh/);
    return true;
  });

  // A real binary that rejects the API server's flags stands in for an API server that crashes at start.
  const broken = join(dir, 'bin');
  await mkdir(broken);
  for (const c of ['etcd', 'kube-controller-manager', 'kube-scheduler', 'kwok']) {
    await symlink(join(binDir, c), join(broken, c));
  }
  await symlink(join(binDir, 'etcd'), join(broken, 'kube-apiserver'));
  const cpDir = join(dir, 'b');
  await assert.rejects(startControlPlane({ dir: cpDir, binDir: broken }), (err: unknown) => {
    assert.ok(err instanceof ControlPlaneError);
    assert.equal(err.reason, ControlPlaneReason.ProcessExited);
    assert.match(err.message, /kube-apiserver exited/);
    assert.match(err.message, /flag provided but not defined/);
    return true;
  });
  const status = await controlPlaneStatus(cpDir);
  assert.equal(
    status.processes.some((p) => p.running),
    false,
    'a failed start leaves nothing running',
  );
});
