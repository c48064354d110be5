// Which spec and include changes rebuild a GitRepository artifact (Flux's gitContentConfigChanged).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { GitRepositoryStatus } from '../../api/git-repository.ts';
import type { Artifact } from '../../api/meta.ts';
import { contentConfigChanged, includeFromPath, includeToPath, observeContentConfig } from './content-config.ts';

const art = (revision: string, digest = 'sha256:aa'): Artifact => ({
  path: 'gitrepository/ns/x/a.tar.gz',
  url: 'http://storage/a.tar.gz',
  revision,
  digest,
  lastUpdateTime: '2026-01-01T00:00:00Z',
});
const include = [{ repository: { name: 'lib' }, toPath: 'vendor/lib' }];

void test('include paths default as Flux: toPath is the repository name, fromPath the root', () => {
  assert.equal(includeToPath({ repository: { name: 'lib' } }), 'lib');
  assert.equal(includeToPath({ repository: { name: 'lib' }, toPath: 'x/y' }), 'x/y');
  assert.equal(includeFromPath({ repository: { name: 'lib' } }), '');
  assert.equal(includeFromPath({ repository: { name: 'lib' }, fromPath: 'deploy' }), 'deploy');
});

void test('what the artifact was built with is observed, and the same spec is then unchanged', () => {
  const spec = { ignore: '*.md', recurseSubmodules: true, sparseCheckout: ['./apps'], include };
  const status: GitRepositoryStatus = { observedGeneration: 1 };
  assert.equal(contentConfigChanged(spec, status, [art('main@sha1:1')]), true);
  observeContentConfig(spec, status, [art('main@sha1:1')]);
  assert.deepEqual(status, {
    observedGeneration: 1,
    observedIgnore: '*.md',
    observedRecurseSubmodules: true,
    observedSparseCheckout: ['./apps'],
    observedInclude: include,
    includedArtifacts: [art('main@sha1:1')],
  });
  assert.equal(contentConfigChanged(spec, status, [art('main@sha1:1')]), false);
  // Each content setting on its own rebuilds the artifact.
  assert.equal(contentConfigChanged({ ...spec, ignore: undefined }, status, [art('main@sha1:1')]), true);
  assert.equal(contentConfigChanged({ ...spec, recurseSubmodules: false }, status, [art('main@sha1:1')]), true);
  assert.equal(contentConfigChanged({ ...spec, sparseCheckout: ['./apps', 'b'] }, status, [art('main@sha1:1')]), true);
  assert.equal(contentConfigChanged({ ...spec, sparseCheckout: ['apps'] }, status, [art('main@sha1:1')]), true);
  const moved = [{ repository: { name: 'lib' }, toPath: 'other' }];
  assert.equal(contentConfigChanged({ ...spec, include: moved }, status, [art('main@sha1:1')]), true);
  // A new revision or only a new digest of an included artifact rebuilds too.
  assert.equal(contentConfigChanged(spec, status, [art('main@sha1:2')]), true);
  assert.equal(contentConfigChanged(spec, status, [art('main@sha1:1', 'sha256:bb')]), true);
});

void test('unset settings are not recorded, and dropping all of them clears the observations', () => {
  const status: GitRepositoryStatus = { observedGeneration: 1 };
  observeContentConfig({ ignore: 'x', sparseCheckout: ['a'], include, recurseSubmodules: true }, status, [art('r')]);
  observeContentConfig({}, status, []);
  assert.deepEqual(status, { observedGeneration: 1 });
  assert.equal(contentConfigChanged({}, status, []), false);
  assert.equal(contentConfigChanged({ recurseSubmodules: false, sparseCheckout: [] }, status, []), false);
});
