// Builds with the real kustomize, built by scripts/provision.sh.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { BuildError, KustomizationPathError } from './errors.ts';
import { buildKustomization } from './kustomize-build.ts';
import type { BuildKustomizationOptions } from './kustomize-build.ts';
import { objectRef, parseManifests } from './manifests.ts';
import { makeTree, provisionedKustomize } from './test-fixtures.ts';
import type { Tree } from './test-fixtures.ts';

const kustomizeBin = provisionedKustomize();
const skip = kustomizeBin ? false : 'kustomize is not provisioned (run scripts/provision.sh kustomize)';

const deployment = (name: string, image = 'nginx:1.25') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels: {app: ${name}, tier: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers:
        - name: main
          image: ${image}
`;
const service = (name: string) =>
  `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\nspec:\n  ports: [{port: 80}]\n`;
const configMap = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata: {k: v}\n`;

async function build(tree: Tree, opts: Partial<BuildKustomizationOptions> = {}) {
  const fx = await makeTree(tree);
  try {
    const result = await buildKustomization({ root: fx.root, kustomizeBin: kustomizeBin ?? 'kustomize', ...opts });
    return { ...result, refs: result.objects.map((o) => objectRef(o)).sort() };
  } finally {
    await fx.cleanup();
  }
}

async function buildError(tree: Tree, opts: Partial<BuildKustomizationOptions> = {}): Promise<BuildError> {
  try {
    await build(tree, opts);
  } catch (err) {
    assert.ok(err instanceof BuildError, `expected a BuildError, got ${String(err)}`);
    return err;
  }
  assert.fail('build succeeded unexpectedly');
}

void test('plain directory without kustomization.yaml: generated recursively like Flux', { skip }, async () => {
  const fx = await makeTree({
    'apps/web.yaml': `${deployment('web')}---\n${service('web')}`,
    'apps/more/cm.yml': configMap('settings'),
    'apps/more/cm.json': JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'from-json' } }),
    'apps/values.yaml': 'replicaCount: 3\n',
    'apps/package.json': '{ "name": "not-kubernetes" }',
    'apps/README.md': '# docs',
    'apps/sub/kustomization.yaml': 'resources: [cm.yaml]\nnamePrefix: sub-\n',
    'apps/sub/cm.yaml': configMap('nested'),
    'apps/sub/ignored.yaml': configMap('not-listed-by-sub'),
  });
  try {
    const result = await buildKustomization({ root: fx.root, path: './apps', kustomizeBin: kustomizeBin ?? '' });
    assert.deepEqual(result.objects.map((o) => objectRef(o)).sort(), [
      'ConfigMap/from-json',
      'ConfigMap/settings',
      'ConfigMap/sub-nested',
      'Deployment/web',
      'Service/web',
    ]);
    const generated = await readFile(path.join(fx.root, 'apps/kustomization.yaml'), 'utf8');
    assert.match(generated, /- \.\/sub\n/);
    assert.doesNotMatch(generated, /values\.yaml|package\.json/);
  } finally {
    await fx.cleanup();
  }
});

void test('overlay referencing ../base inside the root', { skip }, async () => {
  const result = await build(
    {
      'base/kustomization.yaml': 'resources: [web.yaml]\n',
      'base/web.yaml': deployment('web'),
      'overlays/prod/kustomization.yaml': 'resources: [../../base]\nnamespace: prod\nnameSuffix: -prod\n',
    },
    { path: 'overlays/prod' },
  );
  assert.deepEqual(result.refs, ['Deployment/prod/web-prod']);
});

void test(
  'spec overlays: targetNamespace, namePrefix, images, patches (SMP and JSON6902) and commonMetadata',
  { skip },
  async () => {
    const tree: Tree = {
      'app/kustomization.yaml':
        'resources: [web.yaml, api.yaml]\nnamespace: original\nimages: [{name: nginx, newTag: "1.0"}]\n',
      'app/web.yaml': deployment('web'),
      'app/api.yaml': deployment('api', 'ghcr.io/acme/api:1.0'),
    };
    const opts: Partial<BuildKustomizationOptions> = {
      path: './app',
      spec: {
        targetNamespace: 'team-a',
        namePrefix: 'a-',
        images: [
          { name: 'nginx', newTag: '1.27' },
          { name: 'ghcr.io/acme/api', newName: 'registry.local/api', digest: `sha256:${'a'.repeat(64)}` },
        ],
        patches: [
          {
            patch: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n',
          },
          {
            patch: '- op: add\n  path: /metadata/annotations\n  value: {patched: "json6902"}\n',
            target: { kind: 'Deployment', labelSelector: 'app=api' },
          },
        ],
        commonMetadata: {
          labels: { tier: 'overridden', owner: 'team-a' },
          annotations: { 'example.com/by': 'driftless' },
        },
      },
    };
    const result = await build(tree, opts);
    assert.deepEqual(result.refs, ['Deployment/team-a/a-api', 'Deployment/team-a/a-web']);
    const byName = new Map(result.objects.map((o) => [o.metadata.name, o]));
    const web = byName.get('a-web') as {
      spec: { replicas: number; template: { spec: { containers: { image: string }[] } } };
    } & (typeof result.objects)[0];
    const api = byName.get('a-api') as typeof web;
    assert.equal(web.spec.replicas, 3);
    assert.equal(api.spec.replicas, 1);
    assert.equal(web.spec.template.spec.containers[0]?.image, 'nginx:1.27');
    assert.equal(api.spec.template.spec.containers[0]?.image, `registry.local/api@sha256:${'a'.repeat(64)}`);
    assert.equal(api.metadata.annotations?.['patched'], 'json6902');
    assert.equal(web.metadata.annotations?.['patched'], undefined);
    for (const obj of [web, api]) {
      assert.equal(obj.metadata.labels?.['tier'], 'overridden');
      assert.equal(obj.metadata.labels?.['owner'], 'team-a');
      assert.equal(obj.metadata.annotations?.['example.com/by'], 'driftless');
    }
    assert.equal(result.digest, `sha256:${createHash('sha256').update(result.yaml).digest('hex')}`);
    assert.equal((await build(tree, opts)).digest, result.digest, 'the same input builds to the same digest');
    // commonMetadata is applied after kustomize, so the digested YAML is the objects as changed.
    assert.match(result.yaml, /owner: team-a/);
    const plain = await build(tree, { ...opts, spec: { ...opts.spec, commonMetadata: undefined } });
    assert.doesNotMatch(plain.yaml, /owner: team-a/);
    assert.deepEqual(parseManifests(plain.yaml), plain.objects, "without it the YAML is kustomize's output as parsed");
    assert.notEqual(plain.digest, result.digest);
  },
);

void test(
  'editing an existing kustomization keeps its scalars and case-variant fields as kustomize reads them',
  { skip },
  async () => {
    const result = await build(
      {
        'kustomization.yaml': 'Resources: [web.yaml]\nimages:\n  - name: nginx\n    newTag: "1.10"\n',
        'web.yaml': deployment('web'),
      },
      { spec: { targetNamespace: 'apps', images: [{ name: 'busybox', newTag: '1.36' }] } },
    );
    assert.deepEqual(result.refs, ['Deployment/apps/web']);
    const containers = (result.objects[0]?.['spec'] as { template: { spec: { containers: { image: string }[] } } })
      .template.spec.containers;
    assert.equal(containers[0]?.image, 'nginx:1.10');
  },
);

void test('components from the spec, with ignoreMissingComponents', { skip }, async () => {
  const tree: Tree = {
    'app/kustomization.yaml': 'resources: [cm.yaml]\n',
    'app/cm.yaml': configMap('settings'),
    'components/monitoring/kustomization.yaml':
      'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources: [monitor.yaml]\ncommonLabels: {monitoring: "on"}\n',
    'components/monitoring/monitor.yaml': configMap('monitor'),
  };
  const spec = { components: ['../components/monitoring', '../components/missing'], ignoreMissingComponents: true };
  const result = await build(tree, { path: 'app', spec });
  assert.deepEqual(result.refs, ['ConfigMap/monitor', 'ConfigMap/settings']);
  assert.ok(result.objects.every((o) => o.metadata.labels?.['monitoring'] === 'on'));
  const err = await buildError(tree, { path: 'app', spec: { ...spec, ignoreMissingComponents: false } });
  assert.match(err.message, /components\/missing/);
});

void test('kustomize failures become BuildErrors with root-relative paths', { skip }, async () => {
  const fx = await makeTree({
    'kustomization.yaml': 'resources: [kindless.yaml]\n',
    'kindless.yaml': 'apiVersion: v1\nmetadata:\n  name: x\n',
  });
  try {
    await assert.rejects(buildKustomization({ root: fx.root, kustomizeBin: kustomizeBin ?? '' }), (err: unknown) => {
      assert.ok(err instanceof BuildError);
      assert.ok(!(err instanceof KustomizationPathError), 'a kustomize failure is not a path error');
      assert.match(err.message, /^kustomize build failed: .*'kindless\.yaml': missing kind/);
      assert.ok(!err.message.includes(fx.base), 'temp paths are stripped');
      return true;
    });
  } finally {
    await fx.cleanup();
  }
});

void test('broken YAML listed in a kustomization fails naming the file, without echoing it', { skip }, async () => {
  const err = await buildError({
    'kustomization.yaml': 'resources: [broken.yaml]\n',
    'broken.yaml': 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\n stringData: {password: hunter2\n',
  });
  assert.match(err.message, /^broken\.yaml: document 1: .* at line 5, column \d+$/);
  assert.doesNotMatch(err.message, /hunter2/);
});

void test('duplicate ids in one build are refused', { skip }, async () => {
  const err = await buildError({ 'a.yaml': configMap('same'), 'b.yaml': configMap('same') });
  assert.match(err.message, /already registered id/);
});

void test('generated kustomization: broken YAML and alias bombs name the file', { skip }, async () => {
  const broken = await buildError({ 'ok.yaml': configMap('ok'), 'dir/bad.yaml': 'apiVersion: v1\nkind: [\n' });
  assert.match(
    broken.message,
    /^dir\/bad\.yaml: failed to decode Kubernetes YAML: document 1: .* at line \d+, column \d+$/,
  );
  const levels = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i < 8; i++)
    levels.push(
      `l${i}: &l${i} [${Array(10)
        .fill(i === 1 ? '*a' : `*l${i - 1}`)
        .join(',')}]`,
    );
  const bomb = await buildError({
    'bomb.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n${levels.join('\n')}\n`,
  });
  assert.match(bomb.message, /^bomb\.yaml: .*too many YAML alias expansions/);
});

void test('an aborted signal cancels the build', { skip }, async () => {
  const err = await buildError({ 'cm.yaml': configMap('x') }, { signal: AbortSignal.abort(new Error('spec.timeout')) });
  assert.match(err.message, /cancelled/);
});

void test('spec.buildMetadata originAnnotations: kustomize records where each object came from', { skip }, async () => {
  const { objects } = await build(
    { 'app/kustomization.yaml': 'resources: [cm.yaml]\n', 'app/cm.yaml': configMap('origin') },
    { path: './app', spec: { buildMetadata: ['originAnnotations'] } },
  );
  const origin = objects[0]?.metadata.annotations?.['config.kubernetes.io/origin'] ?? '';
  assert.match(origin, /path: cm\.yaml/);
});
