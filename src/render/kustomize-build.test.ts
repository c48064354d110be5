// The checks buildKustomization makes before kustomize runs; the builds themselves are in
// kustomize-build.int.test.ts (they need the real kustomize).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BuildError, KustomizationPathError } from './errors.ts';
import { buildKustomization, type KustomizeSpec } from './kustomize-build.ts';
import { makeTree } from './test-fixtures.ts';

/** A binary that does not exist: a test that reaches it fails naming it, so no process ever runs. */
const kustomizeBin = '/nonexistent/kustomize';

void test('missing, escaping or non-directory paths are refused before kustomize runs', async (t) => {
  const fx = await makeTree({
    'app/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n',
    escape: { symlink: '/etc' },
  });
  t.after(fx.cleanup);
  const buildError = async (path: string, spec: KustomizeSpec = {}): Promise<BuildError> => {
    const err = await buildKustomization({ root: fx.root, kustomizeBin, path, spec }).then(
      () => assert.fail(`building ${path} succeeded unexpectedly`),
      (e: unknown) => e,
    );
    assert.ok(err instanceof BuildError, `expected a BuildError, got ${String(err)}`);
    return err;
  };
  const missing = await buildError('./missing');
  assert.ok(missing instanceof KustomizationPathError, String(missing));
  assert.match(missing.message, /^kustomization path not found: '\.\/missing'$/);
  const outside = await buildError('../..');
  assert.ok(!(outside instanceof KustomizationPathError), 'a path outside the source is a build error');
  assert.match(outside.message, /^path '\.\.\/\.\.' is outside the source$/);
  assert.match((await buildError('./escape')).message, /outside the source/);
  const notDir = await buildError('app/cm.yaml');
  assert.ok(notDir instanceof KustomizationPathError, String(notDir));
  assert.match(notDir.message, /is not a directory/);
  // A leading `/` is relative, as in Flux; a plain list of files builds without kustomize (plain-build.ts).
  const plain = await buildKustomization({ root: fx.root, kustomizeBin, path: '/app' });
  assert.deepEqual(
    plain.objects.map((o) => `${o.kind}/${o.metadata.name}`),
    ['ConfigMap/x'],
  );
  // Proof that the binary is only reached once the checks pass (namePrefix needs kustomize).
  assert.match(
    (await buildError('/app', { namePrefix: 'p-' })).message,
    /kustomize binary '\/nonexistent\/kustomize' cannot be run/,
  );
});
