// ArtifactGenerator → ExternalArtifacts → Kustomizations against the real control plane and Git server:
// the fleet of Flux's own example (fluxcd/flux2-kustomize-helm-example, clusters/staging/artifacts.yaml)
// splits one monorepo into an `infrastructure` and an `apps` artifact; a change under apps/ moves only
// the apps artifact. Then bad input, pruning and finalization.
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { ArtifactGeneratorApiVersion } from '../../src/api/artifact-generator.ts';
import { ApiVersions } from '../../src/api/constants.ts';
import type { KubeObject } from '../../src/kube/types.ts';
import { cached, queueIdle, reconcileCount } from '../support/engine-state.ts';
import { gitRepoRef, gitRepository, ksRef, kustomization, ref, startTestEnv, type TestEnv } from '../support/env.ts';

let env: TestEnv;
const ns = 'flux-system';

// clusters/staging/artifacts.yaml of fluxcd/flux2-kustomize-helm-example, as published (it has no URLs to adapt).
const exampleArtifacts = `---
apiVersion: source.extensions.fluxcd.io/v1beta1
kind: ArtifactGenerator
metadata:
  name: flux-system
  namespace: flux-system
spec:
  sources:
    - alias: monorepo
      kind: GitRepository
      name: flux-system
  artifacts:
    - name: infrastructure
      originRevision: "@monorepo"
      copy:
        - from: "@monorepo/infrastructure/**"
          to: "@artifact/"
    - name: apps
      originRevision: "@monorepo"
      copy:
        - from: "@monorepo/apps/base/**"
          to: "@artifact/base/"
        - from: "@monorepo/apps/staging/**"
          to: "@artifact/staging/"
`;

const cm = (name: string, value: string, namespace = 'default'): string =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\ndata:\n  value: "${value}"\n`;
const agRef = (name: string) => ref(ArtifactGeneratorApiVersion, 'ArtifactGenerator', ns, name);
const eaRef = (name: string) => ref(ApiVersions.source, 'ExternalArtifact', ns, name);
const cmRef = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name });

type Artifact = { revision: string; digest: string; path: string; url: string; metadata?: Record<string, string> };
const artifactOf = (o: KubeObject | undefined): Artifact | undefined =>
  (o?.['status'] as { artifact?: Artifact } | undefined)?.artifact;
const generator = (name: string, spec: Record<string, unknown>): KubeObject => ({
  apiVersion: ArtifactGeneratorApiVersion,
  kind: 'ArtifactGenerator',
  metadata: { name, namespace: ns },
  spec,
});
const monorepo = [{ alias: 'monorepo', kind: 'GitRepository', name: 'flux-system' }];

before(async () => {
  env = await startTestEnv();
  await env.namespace(ns);
  await env.createRepo('fleet', {
    'infrastructure/controllers/controller.yaml': cm('infra-controller', '1'),
    'infrastructure/configs/config.yaml': cm('infra-config', '1'),
    'apps/base/kustomization.yaml':
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - app.yaml\n',
    'apps/base/app.yaml': cm('app', 'v1'),
    'apps/staging/kustomization.yaml':
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../base\n  - staging.yaml\n',
    'apps/staging/staging.yaml': cm('app-staging', 's1'),
    'README.md': '# fleet\n',
  });
  await env.apply(gitRepository(ns, 'flux-system', env.git.repoUrl('fleet')));
  await env.apply(parse(exampleArtifacts) as KubeObject);
  await env.apply(
    kustomization(ns, 'infra-controllers', 'infrastructure', {
      sourceRef: { kind: 'ExternalArtifact', name: 'infrastructure' },
      path: './controllers',
    }),
  );
  await env.apply(
    kustomization(ns, 'apps', 'apps', { sourceRef: { kind: 'ExternalArtifact', name: 'apps' }, path: './staging' }),
  );
});
after(() => env?.stop());

test("Flux's example generator splits the monorepo into two ExternalArtifacts that Kustomizations apply", async () => {
  const repo = await env.waitForReady(gitRepoRef(ns, 'flux-system'));
  const gitRevision = artifactOf(repo)!.revision;
  const ag = await env.waitForReady(agRef('flux-system'), {
    reason: 'Succeeded',
    messageIncludes: 'reconciliation succeeded, generated 2 artifact(s)',
  });
  assert.ok(ag.metadata.finalizers?.includes('source.extensions.fluxcd.io/finalizer'));
  const status = ag.status as { inventory: { name: string; namespace: string; digest: string; filename: string }[] };
  assert.deepEqual(
    status.inventory.map((r) => r.name),
    ['infrastructure', 'apps'],
  );
  for (const r of status.inventory) assert.match(r.filename, /^\d+\.tar\.gz$/);
  assert.match(String(ag.status?.['observedSourcesDigest']), /^sha256:[0-9a-f]{64}$/);

  const apps = (await env.get(eaRef('apps')))!;
  assert.equal(apps.metadata.labels?.['app.kubernetes.io/managed-by'], 'source-watcher');
  assert.equal(apps.metadata.labels?.['source.extensions.fluxcd.io/generator'], ag.metadata.uid);
  assert.deepEqual(apps['spec'], {
    sourceRef: {
      apiVersion: ArtifactGeneratorApiVersion,
      kind: 'ArtifactGenerator',
      name: 'flux-system',
      namespace: ns,
    },
  });
  const appsArtifact = artifactOf(apps)!;
  assert.equal(appsArtifact.revision, `latest@${appsArtifact.digest}`);
  assert.equal(appsArtifact.metadata?.['org.opencontainers.image.revision'], gitRevision);
  assert.equal(appsArtifact.path, `externalartifact/${ns}/apps/${status.inventory[1]!.filename}`);
  const ready = (apps.status?.conditions ?? []).find((c) => c.type === 'Ready');
  assert.equal(ready?.reason, 'Succeeded');
  assert.equal(ready?.message, 'Artifact is ready');

  const ks = await env.waitForReady(ksRef(ns, 'apps'));
  assert.equal(ks.status?.['lastAppliedRevision'], appsArtifact.revision);
  assert.equal(ks.status?.['lastAppliedOriginRevision'], gitRevision);
  await env.waitForReady(ksRef(ns, 'infra-controllers'));
  for (const name of ['app', 'app-staging', 'infra-controller']) assert.ok(await env.get(cmRef(name)), name);
  assert.equal(await env.get(cmRef('infra-config')), undefined, 'only ./controllers of infrastructure is applied');
});

test('the flux CLI lists the generator and its ExternalArtifacts as Ready', async () => {
  const bin = path.join(
    process.env['DRIFTLESS_TEST_BIN_DIR'] ?? path.join(homedir(), '.cache', 'driftless', 'bin'),
    'flux',
  );
  const home = path.join(env.tmp, 'flux-home');
  await mkdir(home, { recursive: true });
  const flux = (...args: string[]): Promise<string> =>
    new Promise((resolve, reject) => {
      const env_ = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home };
      execFile(
        bin,
        [...args, '--kubeconfig', env.kubeconfigPath],
        { env: env_, timeout: 40_000 },
        (err, out, errOut) =>
          err ? reject(new Error(`flux ${args.join(' ')}: ${err.message}\n${errOut}`)) : resolve(out),
      );
    });
  const generators = await flux('get', 'artifact', 'generators', '-n', ns);
  assert.match(generators, /^flux-system\s+.*True\s+reconciliation succeeded, generated 2 artifact\(s\)/m);
  const external = await flux('get', 'sources', 'external', '-n', ns);
  for (const name of ['apps', 'infrastructure']) {
    assert.match(external, new RegExp(`^${name}\\s+latest@sha256:[0-9a-f]+.*True\\s+Artifact is ready`, 'm'));
  }
});

/** `node bin/driftless.js …` against the test cluster; never rejects, so exit codes can be asserted. */
function driftless(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const bin = fileURLToPath(new URL('../../bin/driftless.js', import.meta.url));
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args, '-n', ns, '--kubeconfig', env.kubeconfigPath],
      { timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

test('the driftless CLI gets, reconciles, suspends and resumes the generator and lists its ExternalArtifacts', async () => {
  const got = await driftless('get', 'artifactgenerators');
  assert.equal(got.code, 0, got.stderr);
  assert.match(got.stdout, /^flux-system\s+False\s+True\s+reconciliation succeeded, generated 2 artifact\(s\)/m);
  const external = await driftless('get', 'sources', 'external');
  assert.equal(external.code, 0, external.stderr);
  for (const name of ['apps', 'infrastructure'])
    assert.match(
      external.stdout,
      new RegExp(`^${name}\\s+latest@sha256:[0-9a-f]+\\s+False\\s+True\\s+Artifact is ready`, 'm'),
    );

  const reconciled = await driftless('reconcile', 'artifact', 'generator', 'flux-system');
  assert.equal(reconciled.code, 0, reconciled.stderr);
  assert.match(reconciled.stdout + reconciled.stderr, /generated 2 artifact\(s\)/);

  const suspended = await driftless('suspend', 'ag', 'flux-system');
  assert.equal(suspended.code, 0, suspended.stderr);
  const paused = await env.get(agRef('flux-system'));
  assert.equal(paused?.metadata.annotations?.['source.extensions.fluxcd.io/reconcile'], 'disabled');
  assert.match((await driftless('get', 'ag')).stdout, /^flux-system\s+True\s+/m);
  const refused = await driftless('reconcile', 'ag', 'flux-system');
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /is suspended.*driftless resume artifactgenerator flux-system -n flux-system/);

  const resumed = await driftless('resume', 'ag', 'flux-system');
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout + resumed.stderr, /ArtifactGenerator flux-system reconciliation completed/);
  assert.match((await driftless('get', 'ag')).stdout, /^flux-system\s+False\s+True\s+/m);

  const readOnly = await driftless('suspend', 'ea', 'apps');
  assert.notEqual(readOnly.code, 0);
  assert.match(readOnly.stderr, /ExternalArtifact objects are written by their ArtifactGenerator/);
});

test('a commit under apps/ moves only the apps artifact; the infrastructure Kustomization keeps its revision', async () => {
  const before = (await env.get(agRef('flux-system')))!;
  const infraBefore = artifactOf(await env.get(eaRef('infrastructure')))!;
  const appsBefore = artifactOf(await env.get(eaRef('apps')))!;
  const infraKs = (await env.get(ksRef(ns, 'infra-controllers')))!;
  const sha = await env.commit('fleet', { 'apps/base/app.yaml': cm('app', 'v2') }, 'apps only');
  await env.client.patch(gitRepoRef(ns, 'flux-system'), {
    metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': 'apps-change' } },
  });
  const apps = await env.waitFor('a new apps artifact', async () => {
    const a = artifactOf(await env.get(eaRef('apps')));
    return a && a.digest !== appsBefore.digest ? a : undefined;
  });
  assert.equal(apps.metadata?.['org.opencontainers.image.revision'], `main@sha1:${sha}`);
  await env.waitForReady(ksRef(ns, 'apps'), { messageIncludes: apps.revision });
  await env.waitFor('ConfigMap app to be v2', async () => {
    const o = (await env.get(cmRef('app'))) as (KubeObject & { data?: { value?: string } }) | undefined;
    return o?.data?.value === 'v2';
  });
  const ag = await env.waitFor('the generator to record the new sources', async () => {
    const o = await env.get(agRef('flux-system'));
    return o?.status?.['observedSourcesDigest'] !== before.status?.['observedSourcesDigest'] ? o : undefined;
  });
  const infra = artifactOf(await env.get(eaRef('infrastructure')))!;
  assert.equal(infra.revision, infraBefore.revision, 'the infrastructure revision did not move');
  assert.equal(infra.digest, infraBefore.digest);
  const inventory = ag.status?.['inventory'] as { name: string; digest: string }[];
  assert.equal(inventory.find((r) => r.name === 'infrastructure')?.digest, infraBefore.digest);
  const ks = (await env.get(ksRef(ns, 'infra-controllers')))!;
  assert.equal(ks.status?.['lastAppliedRevision'], infraKs.status?.['lastAppliedRevision']);
  assert.equal(ks.status?.['lastAppliedRevision'], infraBefore.revision);
});

test('a missing source: Ready=False SourceFetchFailed with the Kubernetes NotFound message', async () => {
  await env.apply(
    generator('missing', {
      sources: [{ alias: 'repo', kind: 'GitRepository', name: 'nope' }],
      artifacts: [{ name: 'missing-out', copy: [{ from: '@repo/**', to: '@artifact/' }] }],
    }),
  );
  const ag = await env.waitForReady(agRef('missing'), { status: 'False', reason: 'SourceFetchFailed' });
  const ready = ag.status?.conditions?.find((c) => c.type === 'Ready');
  assert.equal(ready?.message, 'get sources failed: gitrepositories.source.toolkit.fluxcd.io "nope" not found');
  assert.equal(await env.get(eaRef('missing-out')), undefined);
});

test('a from naming an unknown alias: Ready=False BuildFailed naming the alias; other bad specs stall', async () => {
  await env.apply(
    generator('bad-alias', {
      sources: monorepo,
      artifacts: [{ name: 'bad-out', copy: [{ from: '@other/apps/**', to: '@artifact/' }] }],
    }),
  );
  const ag = await env.waitForReady(agRef('bad-alias'), { status: 'False', reason: 'BuildFailed' });
  assert.equal(
    ag.status?.conditions?.find((c) => c.type === 'Ready')?.message,
    "bad-out build failed: failed to apply copy operations: failed to apply copy operation from '@other/apps/**' to '@artifact/': source alias 'other' not found",
  );

  await env.apply(
    generator('dup', {
      sources: [...monorepo, ...monorepo],
      artifacts: [{ name: 'dup-out', copy: [{ from: '@monorepo/apps/**', to: '@artifact/' }] }],
    }),
  );
  const dup = await env.waitForReady(agRef('dup'), { status: 'False', reason: 'ValidationFailed' });
  const stalled = dup.status?.conditions?.find((c) => c.type === 'Stalled');
  assert.equal(stalled?.status, 'True');
  assert.equal(stalled?.message, "duplicate source alias 'monorepo' found");

  await env.apply(
    generator('pattern', {
      sources: monorepo,
      pathPattern: '@monorepo/apps/{app}',
      artifacts: [{ name: '{app}', copy: [{ from: '@monorepo/apps/{app}/**', to: '@artifact/' }] }],
    }),
  );
  const pattern = await env.waitForReady(agRef('pattern'), { status: 'False', reason: 'NotSupported' });
  assert.match(
    pattern.status?.conditions?.find((c) => c.type === 'Ready')?.message ?? '',
    /^spec\.pathPattern is not supported by Driftless yet/,
  );
});

test('an artifact removed from the spec is pruned; deleting the generator deletes what it generated', async () => {
  await env.apply(
    generator('pruner', {
      sources: monorepo,
      commonMetadata: { labels: { team: 'platform' }, annotations: { note: 'generated' } },
      artifacts: [
        { name: 'keep', revision: '@monorepo', copy: [{ from: '@monorepo/apps/base/app.yaml', to: '@artifact/' }] },
        {
          name: 'drop',
          copy: [{ from: '@monorepo/infrastructure/', to: '@artifact/', exclude: ['configs/**'] }],
        },
      ],
    }),
  );
  await env.waitForReady(agRef('pruner'), { messageIncludes: 'generated 2 artifact(s)' });
  const keep = (await env.get(eaRef('keep')))!;
  assert.equal(keep.metadata.labels?.['team'], 'platform');
  assert.equal(keep.metadata.annotations?.['note'], 'generated');
  const repo = await env.get(gitRepoRef(ns, 'flux-system'));
  assert.equal(artifactOf(keep)?.revision, artifactOf(repo)?.revision, 'revision: @monorepo takes the source revision');
  assert.ok(await env.get(eaRef('drop')));

  // Drift: a generated ExternalArtifact deleted by hand is put back with the same artifact.
  await env.client.delete(eaRef('keep'));
  const restored = await env.waitFor('ExternalArtifact keep to be recreated', async () => {
    const o = await env.get(eaRef('keep'));
    return artifactOf(o) ? o : undefined;
  });
  assert.equal(artifactOf(restored)?.digest, artifactOf(keep)?.digest);

  const spec = (await env.get(agRef('pruner')))!['spec'] as { artifacts: unknown[] };
  await env.client.patch(agRef('pruner'), { spec: { artifacts: spec.artifacts.slice(0, 1) } });
  await env.waitForReady(agRef('pruner'), { messageIncludes: 'generated 1 artifact(s)' });
  await env.waitFor('ExternalArtifact drop to be pruned', async () => (await env.get(eaRef('drop'))) === undefined);

  // source.extensions.fluxcd.io/reconcile: disabled pauses the generator: a spec change waits for enabled.
  const engine = env.engine!;
  await env.client.patch(agRef('pruner'), {
    metadata: { annotations: { 'source.extensions.fluxcd.io/reconcile': 'disabled' } },
  });
  await env.waitFor(
    'the engine to cache the disabled annotation',
    async () =>
      cached(engine, agRef('pruner'))?.metadata.annotations?.['source.extensions.fluxcd.io/reconcile'] === 'disabled',
  );
  const reconciles = await reconcileCount(engine, 'artifactgenerator');
  await env.client.patch(agRef('pruner'), { spec: { artifacts: spec.artifacts } });
  await env.waitFor(
    'the generator controller to handle the spec change',
    async () =>
      (await reconcileCount(engine, 'artifactgenerator')) > reconciles &&
      (await queueIdle(engine, 'artifactgenerator')),
  );
  assert.equal(await env.get(eaRef('drop')), undefined, 'nothing generated while disabled');
  await env.client.patch(agRef('pruner'), {
    metadata: { annotations: { 'source.extensions.fluxcd.io/reconcile': 'enabled' } },
  });
  await env.client.patch(agRef('pruner'), {
    metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': 'resume' } },
  });
  await env.waitFor('ExternalArtifact drop after enabling', async () => env.get(eaRef('drop')));

  await env.client.delete(agRef('pruner'));
  await env.waitFor('the generator to be finalized', async () => (await env.get(agRef('pruner'))) === undefined);
  assert.equal(await env.get(eaRef('keep')), undefined);
});
