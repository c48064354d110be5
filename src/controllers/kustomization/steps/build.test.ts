// The build step's failure reasons: the mapping from render errors, and the reasons buildManifests
// reports for a missing artifact, a missing path and a failed build. No kustomize process runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Kustomization } from '../../../api/kustomization.ts';
import type { Artifact } from '../../../api/meta.ts';
import { ArtifactNotFoundError } from '../../../artifacts/errors.ts';
import type { KubeClient } from '../../../kube/client.ts';
import { BuildError, KustomizationPathError, ManifestError, SubstitutionError } from '../../../render/errors.ts';
import { ReconcileFailure } from '../../../runtime/reconcile/failure.ts';
import { buildFailureReason, buildManifests } from './build.ts';

void test('a missing path is ArtifactFailed; every other build error is BuildFailed', () => {
  assert.equal(buildFailureReason(new KustomizationPathError({ message: 'x' })), 'ArtifactFailed');
  assert.equal(buildFailureReason(new BuildError({ message: 'x' })), 'BuildFailed');
  assert.equal(buildFailureReason(new ManifestError({ source: 'a.yaml', message: 'x' })), 'BuildFailed');
  assert.equal(buildFailureReason(new SubstitutionError({ message: 'x' })), 'BuildFailed');
  assert.equal(buildFailureReason(new Error('x')), 'BuildFailed');
  assert.equal(buildFailureReason('x'), 'BuildFailed');
});

const ks = (spec: Partial<Kustomization['spec']> = {}): Kustomization => ({
  apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
  kind: 'Kustomization',
  metadata: { name: 'app', namespace: 'flux-system' },
  spec: { interval: '10m', prune: true, sourceRef: { kind: 'GitRepository', name: 'repo' }, ...spec },
});

const artifact: Artifact = {
  path: 'p',
  url: 'http://artifacts/p.tar.gz',
  revision: 'main@sha1:abc',
  digest: 'sha256:x',
  lastUpdateTime: '2026-01-01T00:00:00Z',
};

/** Runs the step over a fake artifact store; kustomize and the cluster are never reached. */
function build(opts: { ks: Kustomization; materialize: (dest: string) => Promise<void> }): Promise<unknown> {
  return buildManifests({
    ks: opts.ks,
    artifact,
    artifacts: { materialize: (o) => opts.materialize(o.dest) },
    // The failures under test happen before substitution reads ConfigMaps or Secrets.
    client: {} as KubeClient,
    kustomizeBin: '/nonexistent/kustomize',
    allowRemoteBases: false,
    signal: new AbortController().signal,
    timeoutMs: 10_000,
  });
}

const withApp = async (dest: string): Promise<void> => {
  await mkdir(path.join(dest, 'app'), { recursive: true });
  await writeFile(path.join(dest, 'app', 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n');
};

async function failure(promise: Promise<unknown>): Promise<ReconcileFailure> {
  const err = await promise.then(
    () => assert.fail('the build succeeded unexpectedly'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ReconcileFailure, `expected a ReconcileFailure, got ${String(err)}`);
  return err;
}

void test('buildManifests reports the Ready reasons kustomize-controller does', async () => {
  const notFound = await failure(
    build({
      ks: ks({ path: './app' }),
      materialize: () => Promise.reject(new ArtifactNotFoundError(artifact.url, 'artifact not found (HTTP 404)')),
    }),
  );
  assert.equal(notFound.reason, 'ArtifactFailed');
  assert.match(notFound.message, /^failed to fetch artifact for revision 'main@sha1:abc': artifact not found/);

  const missingPath = await failure(build({ ks: ks({ path: './missing' }), materialize: withApp }));
  assert.equal(missingPath.reason, 'ArtifactFailed');
  assert.equal(missingPath.message, "kustomization path not found: './missing'");

  const notDir = await failure(build({ ks: ks({ path: './app/cm.yaml' }), materialize: withApp }));
  assert.equal(notDir.reason, 'ArtifactFailed');

  const outside = await failure(build({ ks: ks({ path: '../..' }), materialize: withApp }));
  assert.equal(outside.reason, 'BuildFailed');

  // namePrefix needs kustomize (a plain list of files would not: plain-build.ts).
  const noBinary = await failure(build({ ks: ks({ path: './app', namePrefix: 'x-' }), materialize: withApp }));
  assert.equal(noBinary.reason, 'BuildFailed');
  assert.match(noBinary.message, /kustomize binary '\/nonexistent\/kustomize' cannot be run/);
});

void test('spec.decryption: a missing decryption Secret is BuildFailed naming it, read with decryptionClient', async () => {
  const asked: string[] = [];
  const missing = await failure(
    buildManifests({
      ks: ks({ path: './app', decryption: { provider: 'sops', secretRef: { name: 'sops-keys' } } }),
      artifact,
      artifacts: { materialize: (o) => withApp(o.dest) },
      client: {} as KubeClient,
      decryptionClient: {
        get: (ref: { kind: string; namespace?: string; name: string }) => {
          asked.push(`${ref.kind}/${ref.namespace ?? ''}/${ref.name}`);
          return Promise.resolve(undefined);
        },
      } as unknown as KubeClient,
      kustomizeBin: '/nonexistent/kustomize',
      allowRemoteBases: false,
      signal: new AbortController().signal,
      timeoutMs: 10_000,
    }),
  );
  assert.deepEqual(asked, ['Secret/flux-system/sops-keys']);
  assert.equal(missing.reason, 'BuildFailed');
  assert.match(missing.message, /^decryption Secret 'flux-system\/sops-keys' not found: create it/);
});

void test('a build that only reads runs on the shared tree; one that writes a kustomization.yaml gets a copy', async () => {
  const calls: string[] = [];
  // 'built', or the failure's message.
  const run = (files: (dir: string) => Promise<void>, spec: Partial<Kustomization['spec']>): Promise<string> =>
    buildManifests({
      ks: ks({ path: './app', ...spec }),
      artifact: { ...artifact, digest: `sha256:${'a'.repeat(64)}` },
      artifacts: {
        materialize: async (o) => {
          calls.push('materialize');
          await files(o.dest);
        },
        withSharedTree: async (_o, read) => {
          calls.push('shared');
          const tree = await mkdtemp(path.join(tmpdir(), 'driftless-shared-test-'));
          try {
            await files(tree);
            return { value: await read(tree) };
          } finally {
            await rm(tree, { recursive: true, force: true });
          }
        },
      },
      client: {} as KubeClient,
      kustomizeBin: '/nonexistent/kustomize',
      allowRemoteBases: false,
      signal: new AbortController().signal,
      timeoutMs: 10_000,
    }).then(
      () => 'built',
      (e: unknown) => (e instanceof Error ? e.message : String(e)),
    );
  const withKustomization = async (dest: string): Promise<void> => {
    await withApp(dest);
    await writeFile(path.join(dest, 'app', 'kustomization.yaml'), 'resources: [cm.yaml]\n');
  };
  // kustomize is not there: a plain list of files builds without it (plain-build.ts), anything more fails at the
  // kustomize run; the calls show which tree each build ran on.
  assert.equal(await run(withKustomization, {}), 'built');
  assert.deepEqual(calls.splice(0), ['shared']);
  assert.equal(await run(withApp, {}), 'built');
  assert.deepEqual(calls.splice(0), ['shared'], 'no kustomization.yaml: generated in a copy of app/ alone');
  assert.match(await run(withKustomization, { namePrefix: 'p-' }), /kustomize binary .* cannot be run/);
  assert.deepEqual(calls.splice(0), ['shared'], 'spec overlays are written into a copy of app/ alone');
  const withBase = async (dest: string): Promise<void> => {
    await withApp(dest);
    await mkdir(path.join(dest, 'base'));
    await writeFile(path.join(dest, 'base', 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\n');
    await writeFile(path.join(dest, 'app', 'kustomization.yaml'), 'resources: [cm.yaml, ../base/cm.yaml]\n');
  };
  assert.match(await run(withBase, { namePrefix: 'p-' }), /kustomize binary .* cannot be run/);
  assert.deepEqual(calls.splice(0), ['shared', 'materialize'], 'a reference outside app/: the whole tree is copied');
  await run(withKustomization, { decryption: { provider: 'sops' } });
  assert.deepEqual(calls.splice(0), ['materialize'], 'decryption never shares: it writes decrypted files');
});
