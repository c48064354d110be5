import { test } from 'node:test';
import assert from 'node:assert/strict';
import { realpath } from 'node:fs/promises';
import { parse } from 'yaml';
import { BuildError } from './errors.ts';
import { applySpecOverlays, hasOverlays } from './kustomization-overlays.ts';
import { makeTree } from './test-fixtures.ts';

const original = `# team-owned overlay
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: old
resources:
  - app.yaml
images:
  - name: nginx
    newTag: 1.10 # plain on purpose
  - name: redis
    newTag: "7"
Patches:
  - path: keep.yaml
`;

void test('overlays edit the kustomization in place, keeping existing text exactly', async () => {
  const fx = await makeTree({ 'components/on/kustomization.yaml': 'kind: Component\n' });
  try {
    const root = await realpath(fx.root);
    const out = await applySpecOverlays(
      original,
      'kustomization.yaml',
      {
        targetNamespace: 'prod',
        namePrefix: 'p-',
        images: [
          { name: 'redis', newTag: '7.2' },
          { name: 'busybox', newTag: '1.36' },
        ],
        patches: [{ patch: 'kind: Deployment\nmetadata:\n  name: x\n', target: { kind: 'Deployment', name: '' } }],
        components: ['components/on', 'components/off'],
        ignoreMissingComponents: true,
        buildMetadata: ['originAnnotations'],
      },
      root,
      root,
    );
    assert.match(out, /^# team-owned overlay\n/);
    assert.match(out, /newTag: 1\.10 # plain on purpose\n/);
    assert.match(out, /newTag: "1\.36"/, 'added strings are quoted so YAML→JSON keeps them strings');
    const k = parse(out, { schema: 'failsafe' }) as Record<string, unknown>;
    assert.equal(k['namespace'], 'prod');
    assert.equal(k['namePrefix'], 'p-');
    assert.deepEqual(k['images'], [
      { name: 'nginx', newTag: '1.10' },
      { name: 'redis', newTag: '7.2' },
      { name: 'busybox', newTag: '1.36' },
    ]);
    // The `Patches` variant is what kustomize would read as `patches`; ours are appended to it under one key.
    assert.equal(k['Patches'], undefined);
    assert.deepEqual(k['patches'], [
      { path: 'keep.yaml' },
      { patch: 'kind: Deployment\nmetadata:\n  name: x\n', target: { kind: 'Deployment' } },
    ]);
    assert.deepEqual(k['components'], ['components/on']);
    assert.deepEqual(k['buildMetadata'], ['originAnnotations']);
  } finally {
    await fx.cleanup();
  }
});

void test('missing components are kept (for kustomize to report) unless ignoreMissingComponents', async () => {
  const out = await applySpecOverlays(
    'resources: []\n',
    'k.yaml',
    { components: ['gone'] },
    '/nonexistent',
    '/nonexistent',
  );
  assert.deepEqual((parse(out) as Record<string, unknown>)['components'], ['gone']);
});

void test('malformed kustomizations are refused with the file named', async () => {
  const spec = { targetNamespace: 'x' };
  await assert.rejects(
    applySpecOverlays('patches: notalist\n', 'a/kustomization.yaml', { patches: [{ patch: 'x' }] }, '/', '/'),
    /a\/kustomization\.yaml: field 'patches' must be a list/,
  );
  await assert.rejects(
    applySpecOverlays('<<: {namespace: a}\n', 'k.yaml', spec, '/', '/'),
    (err: unknown) => err instanceof BuildError && /merge keys/.test(err.message),
  );
  await assert.rejects(applySpecOverlays('- a\n', 'k.yaml', spec, '/', '/'), /k\.yaml: is not a kustomization/);
  assert.match(await applySpecOverlays('', 'k.yaml', spec, '/', '/'), /^namespace: "x"\n$/);
});

void test('hasOverlays ignores commonMetadata, which is applied after the build', () => {
  assert.equal(hasOverlays({ commonMetadata: { labels: { a: 'b' } } }), false);
  assert.equal(hasOverlays({ nameSuffix: '-x' }), true);
  assert.equal(hasOverlays({ patches: [] }), false);
});
