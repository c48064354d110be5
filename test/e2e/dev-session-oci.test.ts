// `driftless dev --oci`: the local loop delivered through a local registry instead of Git. The session
// comes up Ready from the examples pushed as an artifact, and an edit pushed with `driftless push
// artifact` (the command the session prints) is applied within seconds.
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
const bin = fileURLToPath(new URL('../../bin/driftless.js', import.meta.url));
let dir: string;
let session: DevSession;
const progress: string[] = [];

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'driftless-dev-oci-'));
  session = await startDevSession({ dir, seedDir: examples, log: (l) => progress.push(l), oci: true });
});
after(async () => {
  await session?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function greeting(): Promise<string | undefined> {
  const client = new KubeClient({ kubeConfig: loadKubeConfig(session.kubeconfigPath) });
  const cm = (await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'demo', name: 'web-settings' })) as
    { data?: { greeting?: string } } | undefined;
  return cm?.data?.greeting;
}

test('dev --oci brings the examples up from the local registry', async () => {
  assert.match(session.artifactUrl ?? '', /^oci:\/\/127\.0\.0\.1:\d+\/fleet:latest$/);
  assert.ok(progress.some((l) => l.includes('starting the local OCI registry')));
  assert.ok(progress.some((l) => /Kustomization\/flux-system: ✔ Applied revision: latest@sha256:/.test(l)));
  assert.ok((await greeting()) !== undefined, 'the examples are applied');
});

test('an edit pushed with driftless push artifact is applied within seconds', async () => {
  await writeFile(
    path.join(session.workingClone, 'app/config.yaml'),
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-settings\n  namespace: demo\ndata:\n  greeting: pushed as an artifact\n',
  );
  await run(process.execPath, [
    bin,
    'push',
    'artifact',
    session.artifactUrl!,
    '--path',
    session.workingClone,
    '--source',
    'dev',
    '--revision',
    'edit-1',
  ]);
  const deadline = Date.now() + 60_000;
  let seen: string | undefined;
  while (Date.now() < deadline) {
    seen = await greeting();
    if (seen === 'pushed as an artifact') break;
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.equal(seen, 'pushed as an artifact');
});
