// What a Kustomization's spec feeds into the build: every overlay field reaches the kustomization file,
// and postBuild gathers its variables in Flux's order. Pure: a temp tree, no kustomize process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { realpath } from 'node:fs/promises';
import { parse } from 'yaml';
import { BuildError } from './errors.ts';
import { kustomizeSpecOf, postBuildVariables, type KustomizationInput } from './kustomization-inputs.ts';
import { applySpecOverlays } from './kustomization-overlays.ts';
import { makeTree } from './test-fixtures.ts';

const fullTarget = {
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  name: 'web-.*',
  namespace: 'prod',
  labelSelector: 'app.kubernetes.io/part-of=shop',
  annotationSelector: 'example.com/patch=true',
};

void test('every overlay field of the spec reaches the kustomization file as kustomize reads it', async () => {
  const fx = await makeTree({ 'base/kustomization.yaml': 'resources: []\n', 'extra/kustomization.yaml': '' });
  try {
    const root = await realpath(fx.root);
    const spec = kustomizeSpecOf({
      spec: {
        targetNamespace: 'prod',
        namePrefix: 'p-',
        nameSuffix: '-s',
        patches: [{ patch: 'kind: Deployment\nmetadata:\n  name: x\n', target: fullTarget }],
        images: [{ name: 'nginx', newName: 'registry.example/nginx', newTag: '1.27', digest: 'sha256:abc' }],
        components: ['extra', 'missing'],
        ignoreMissingComponents: true,
        commonMetadata: { labels: { team: 'shop' }, annotations: { owner: 'a' } },
      },
    });
    assert.deepEqual(spec.commonMetadata, { labels: { team: 'shop' }, annotations: { owner: 'a' } });
    const text = await applySpecOverlays('resources: [base]\n', 'kustomization.yaml', spec, root, root);
    const k = parse(text) as Record<string, unknown>;
    assert.equal(k['namespace'], 'prod');
    assert.equal(k['namePrefix'], 'p-');
    assert.equal(k['nameSuffix'], '-s');
    assert.deepEqual(k['patches'], [{ patch: 'kind: Deployment\nmetadata:\n  name: x\n', target: fullTarget }]);
    assert.deepEqual(k['images'], [
      { name: 'nginx', newName: 'registry.example/nginx', newTag: '1.27', digest: 'sha256:abc' },
    ]);
    assert.deepEqual(k['components'], ['extra'], 'the missing component is dropped by ignoreMissingComponents');
  } finally {
    await fx.cleanup();
  }
});

void test('buildMetadata reaches the build', () => {
  const spec = kustomizeSpecOf({ spec: { buildMetadata: ['originAnnotations'] } });
  assert.deepEqual(spec, { buildMetadata: ['originAnnotations'] });
});

const ks = (postBuild: KustomizationInput['spec']['postBuild']): KustomizationInput => ({
  metadata: { namespace: 'apps' },
  spec: postBuild ? { postBuild } : {},
});
const store: Record<string, Record<string, string>> = {
  'ConfigMap/apps/vars': { region: 'eu', env: 'from-configmap' },
  'Secret/apps/secret-vars': { env: 'from-secret', token: 't' },
};
const read = (kind: string, ns: string, name: string) => Promise.resolve(store[`${kind}/${ns}/${name}`]);

void test('postBuild: substituteFrom in order (kind and name in the namespace), then substitute wins', async () => {
  const vars = await postBuildVariables(
    ks({
      substituteFrom: [
        { kind: 'ConfigMap', name: 'vars' },
        { kind: 'Secret', name: 'secret-vars' },
      ],
      substitute: { region: 'us' },
    }),
    read,
  );
  assert.deepEqual(vars, { region: 'us', env: 'from-secret', token: 't' });
  assert.equal(await postBuildVariables(ks(undefined), read), undefined);
});

void test('postBuild: a missing optional source is skipped; a missing required one names itself and the fix', async () => {
  const optional = await postBuildVariables(
    ks({ substituteFrom: [{ kind: 'ConfigMap', name: 'absent', optional: true }], substitute: { a: 'b' } }),
    read,
  );
  assert.deepEqual(optional, { a: 'b' });
  await assert.rejects(
    postBuildVariables(ks({ substituteFrom: [{ kind: 'Secret', name: 'absent' }] }), read),
    (err: unknown) =>
      err instanceof BuildError && /Secret 'apps\/absent' not found; .*optional: true/.test(err.message),
  );
});

void test('postBuild.substituteStrategy: WithVariables skips substitution without variables, Always does not', async () => {
  const none = { substituteFrom: [{ kind: 'ConfigMap' as const, name: 'absent', optional: true }] };
  assert.equal(await postBuildVariables(ks({ ...none, substituteStrategy: 'WithVariables' }), read), undefined);
  assert.equal(await postBuildVariables(ks(none), read), undefined);
  assert.deepEqual(await postBuildVariables(ks({ ...none, substituteStrategy: 'Always' }), read), {});
});
