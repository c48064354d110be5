// `driftless dev --images`: the session also starts the local registry with demo/web:1.0.0 and seeds the
// image automation; the command it prints to tag a newer image (the real oras) leads to the automation's
// commit on main (seen by `git pull` in the working clone) and the Deployment rolling out the new tag.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
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
  dir = await mkdtemp(path.join(tmpdir(), 'driftless-dev-images-'));
  session = await startDevSession({ dir, seedDir: examples, log: (l) => progress.push(l), images: true });
});
after(async () => {
  await session?.stop();
  await rm(dir, { recursive: true, force: true });
});

type Deployment = {
  spec?: { template?: { spec?: { containers?: { image?: string }[] } } };
  status?: { updatedReplicas?: number; availableReplicas?: number; observedGeneration?: number };
  metadata: { generation?: number };
};

/** Polls `check` (observed state) every half second until it returns a value or a minute passes. */
async function eventually<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const got = await check();
    if (got !== undefined) return got;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

test('a newer tag pushed with the printed command is committed to main and rolled out', async () => {
  assert.ok(session.images, 'the session reports its registry');
  const { image } = session.images;
  assert.ok(
    progress.some((l) => l.includes('ImagePolicy/web: ✔')),
    progress.join('\n'),
  );
  const client = new KubeClient({ kubeConfig: loadKubeConfig(session.kubeconfigPath) });
  const deployment = () =>
    client.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'flux-system', name: 'image-demo' }) as Promise<
      Deployment | undefined
    >;
  assert.equal((await deployment())?.spec?.template?.spec?.containers?.[0]?.image, `${image}:1.0.0`);

  const [oras, ...args] = session.images.tagCommand('1.1.0');
  await run(oras!, args);

  const rolled = await eventually('the Deployment with 1.1.0 rolled out', async () => {
    const d = await deployment();
    const ok =
      d?.spec?.template?.spec?.containers?.[0]?.image === `${image}:1.1.0` &&
      d.status?.observedGeneration === d.metadata.generation &&
      d.status?.updatedReplicas === 1 &&
      d.status.availableReplicas === 1;
    return ok ? d : undefined;
  });
  assert.ok(rolled);

  // The working clone sees the automation's commit.
  const git = (...a: string[]) => run('git', ['-C', session.workingClone, ...a]);
  await git('pull', '-q', '--ff-only');
  const log = (await git('log', '-1', '--format=%an%n%B')).stdout;
  assert.match(log, /^driftless dev\nUpdate images\n\n- .*demo\/web:1\.0\.0 -> .*demo\/web:1\.1\.0/);
  const manifest = await readFile(path.join(session.workingClone, 'images/deployment.yaml'), 'utf8');
  assert.match(manifest, /demo\/web:1\.1\.0 # \{"\$imagepolicy": "flux-system:web"\}/);
});
