// The README's first command, minus the process: `driftless dev` brings everything up, and a push to
// the working clone it prints is applied within seconds.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startDevSession, type DevSession } from '../../src/devenv/dev-session.ts';
import { KubeClient } from '../../src/kube/client.ts';
import { loadKubeConfig } from '../../src/kube/config.ts';

const run = promisify(execFile);
const examples = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../examples');
let dir: string;
let session: DevSession;
const progress: string[] = [];

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'driftless-dev-'));
  session = await startDevSession({ dir, seedDir: examples, log: (l) => progress.push(l) });
});
after(async () => {
  await session?.stop();
  await rm(dir, { recursive: true, force: true });
});

test('dev brings the examples up and reports progress until Ready', async () => {
  assert.ok(progress.some((l) => l.includes('starting the local control plane')));
  assert.ok(progress.some((l) => l.includes('Kustomization/flux-system: ✔ Applied revision: main@sha1:')));
  const client = new KubeClient({ kubeConfig: loadKubeConfig(session.kubeconfigPath) });
  const web = await client.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'demo', name: 'web' });
  assert.equal(
    (web as unknown as { status?: { availableReplicas?: number } }).status?.availableReplicas,
    2,
    'rolled out (wait: true)',
  );

  // The HelmRelease beside the manifests: its chart from the same repository, released by the real helm.
  assert.ok(
    progress.some((l) => l.includes('HelmRelease/demo/hello: ✔ Helm install succeeded for release demo/hello.v1')),
    progress.join('\n'),
  );
  const hr = (await client.get({
    apiVersion: 'helm.toolkit.fluxcd.io/v2',
    kind: 'HelmRelease',
    namespace: 'demo',
    name: 'hello',
  })) as unknown as { status?: { helmChart?: string; conditions?: { type: string; status: string }[] } };
  assert.equal(hr.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
  assert.equal(hr.status?.helmChart, 'flux-system/demo-hello');
  const settings = (await client.get({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    namespace: 'demo',
    name: 'hello-settings',
  })) as unknown as { data?: { greeting?: string }; metadata: { annotations?: Record<string, string> } };
  assert.equal(settings.data?.greeting, 'hello from a HelmRelease', 'the HelmRelease values over the chart defaults');
  assert.equal(settings.metadata.annotations?.['meta.helm.sh/release-name'], 'hello');
  const release = await client.get({
    apiVersion: 'v1',
    kind: 'Secret',
    namespace: 'demo',
    name: 'sh.helm.release.v1.hello.v1',
  });
  assert.ok(release, 'Helm storage: the release Secret helm list reads');
});

test('a push to the working clone is applied within seconds', async () => {
  const git = (...args: string[]) =>
    run('git', ['-C', session.workingClone, '-c', 'user.name=Dev', '-c', 'user.email=dev@example.com', ...args]);
  await writeFile(
    path.join(session.workingClone, 'app/config.yaml'),
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-settings\n  namespace: demo\ndata:\n  greeting: changed in the working clone\n',
  );
  await git('commit', '-qam', 'change greeting');
  await git('push', '-q');
  const client = new KubeClient({ kubeConfig: loadKubeConfig(session.kubeconfigPath) });
  const deadline = Date.now() + 60_000;
  let greeting: string | undefined;
  while (Date.now() < deadline) {
    const cm = (await client.get({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: 'demo',
      name: 'web-settings',
    })) as unknown as { data?: { greeting?: string } } | undefined;
    greeting = cm?.data?.greeting;
    if (greeting === 'changed in the working clone') break;
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.equal(greeting, 'changed in the working clone');
});
