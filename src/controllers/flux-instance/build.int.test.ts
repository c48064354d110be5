// FluxInstance patches through the real kustomize, built by scripts/provision.sh.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import path from 'node:path';
import { buildInstance } from './build.ts';
import { ReconcileFailure } from '../../runtime/reconcile/failure.ts';
import { testInstance } from './test-objects.ts';

const kustomizeBin = process.env['DRIFTLESS_TEST_BIN_DIR']
  ? path.join(process.env['DRIFTLESS_TEST_BIN_DIR'], 'kustomize')
  : path.join(homedir(), '.cache', 'driftless', 'bin', 'kustomize');
const specOf = (o: { [k: string]: unknown } | undefined) => o?.['spec'] as Record<string, unknown>;

void test('JSON6902 and strategic-merge patches apply to their targets only, through kustomize', async () => {
  const instance = testInstance({
    kustomize: {
      patches: [
        {
          target: { kind: 'Kustomization', name: 'flux-.*' },
          patch: '- op: add\n  path: /spec/timeout\n  value: 3m\n',
        },
        {
          patch:
            'apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: flux-system\n  namespace: flux-system\nspec:\n  ignore: "/*\\n!/clusters\\n"\n',
        },
      ],
    },
    commonMetadata: { labels: { team: 'platform' } },
  });
  const built = await buildInstance({ instance, kustomizeBin });
  const repo = built.objects.find((o) => o.kind === 'GitRepository');
  const ks = built.objects.find((o) => o.kind === 'Kustomization');
  assert.equal(built.objects.length, 2);
  assert.equal(specOf(ks)['timeout'], '3m');
  assert.equal(specOf(repo)['timeout'], undefined);
  assert.equal(specOf(repo)['ignore'], '/*\n!/clusters\n');
  assert.equal(specOf(ks)['ignore'], undefined);
  assert.deepEqual(repo?.metadata.labels, { team: 'platform' }, 'commonMetadata comes after the patches');
  assert.deepEqual(specOf(repo)['ref'], { branch: 'main' });
});

void test('a patch that does not apply stalls with BuildFailed', async () => {
  const bad = testInstance({
    kustomize: {
      patches: [
        { target: { kind: 'Kustomization' }, patch: '- op: replace\n  path: /spec/nothing/here\n  value: 1\n' },
      ],
    },
  });
  await assert.rejects(buildInstance({ instance: bad, kustomizeBin }), (err: unknown) => {
    assert.ok(err instanceof ReconcileFailure);
    assert.equal(err.reason, 'BuildFailed');
    assert.equal(err.stalled, true);
    assert.match(err.message, /^spec\.kustomize\.patches: /);
    return true;
  });
});
