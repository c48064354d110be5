import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { ArtifactGenerator } from '../../api/artifact-generator.ts';
import type { Informer } from '../../runtime/informer.ts';
import { ReconcileFailure } from '../../runtime/reconcile/failure.ts';
import { hashObservedSources, observeSources, sourceKeys, validateGeneratorSpec } from './sources.ts';

const ag = (spec: Partial<ArtifactGenerator['spec']>): ArtifactGenerator => ({
  apiVersion: 'source.extensions.fluxcd.io/v1beta1',
  kind: 'ArtifactGenerator',
  metadata: { name: 'gen', namespace: 'apps' },
  spec: {
    sources: [{ alias: 'repo', kind: 'GitRepository', name: 'mono' }],
    artifacts: [{ name: 'out', copy: [{ from: '@repo/**', to: '@artifact/' }] }],
    ...spec,
  },
});

const informerOf = (objects: Record<string, unknown>): Informer => ({ get: (k: string) => objects[k] }) as never;

const failure = (fn: () => unknown): ReconcileFailure => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ReconcileFailure);
    return err;
  }
  assert.fail('expected a ReconcileFailure');
};

test("observedSourcesDigest is source-watcher's: sha256 over the sorted alias=[digest,revision,url] parts", () => {
  const digest = hashObservedSources(
    new Map([
      ['z', { digest: 'sha256:1', revision: 'main@sha1:a', url: 'http://s/z.tar.gz', originRevision: 'ignored' }],
      ['a', { digest: 'sha256:2', revision: 'v1@sha256:b', url: 'http://s/a.tar.gz' }],
    ]),
  );
  const text =
    'a=[digest=sha256:2,revision=v1@sha256:b,url=http://s/a.tar.gz]|z=[digest=sha256:1,revision=main@sha1:a,url=http://s/z.tar.gz]';
  assert.equal(digest, `sha256:${createHash('sha256').update(text).digest('hex')}`);
});

test('spec checks stall with ValidationFailed or AccessDenied, as source-watcher words them', () => {
  const dup = failure(() =>
    validateGeneratorSpec(
      ag({
        sources: [
          { alias: 'repo', kind: 'GitRepository', name: 'a' },
          { alias: 'repo', kind: 'Bucket', name: 'b' },
        ],
      }),
      false,
    ),
  );
  assert.equal(dup.reason, 'ValidationFailed');
  assert.ok(dup.stalled);
  assert.equal(dup.message, "duplicate source alias 'repo' found");
  const copy = [{ from: '@repo/**', to: '@artifact/' }];
  assert.equal(
    failure(() =>
      validateGeneratorSpec(
        ag({
          artifacts: [
            { name: 'x', copy },
            { name: 'x', copy },
          ],
        }),
        false,
      ),
    ).message,
    "duplicate artifact name 'x' found",
  );
  assert.equal(
    failure(() => validateGeneratorSpec(ag({ artifacts: [{ name: 'x', revision: '@nope', copy }] }), false)).message,
    "artifact x revision source alias 'nope' not found",
  );
  const cross = failure(() =>
    validateGeneratorSpec(
      ag({ sources: [{ alias: 'r', kind: 'GitRepository', name: 'a', namespace: 'other' }] }),
      true,
    ),
  );
  assert.equal(cross.reason, 'AccessDenied');
  assert.equal(cross.message, 'cross-namespace reference to source GitRepository/other/a is not allowed');
  validateGeneratorSpec(ag({}), true);
});

test('sources are read from the informers: missing and not ready are SourceFetchFailed, retried', () => {
  const missing = failure(() => observeSources(ag({}), new Map([['GitRepository', informerOf({})]]), 5000));
  assert.equal(missing.reason, 'SourceFetchFailed');
  assert.equal(missing.message, 'get sources failed: gitrepositories.source.toolkit.fluxcd.io "mono" not found');
  assert.equal(missing.opts.requeueAfterMs, 5000);
  const notReady = failure(() =>
    observeSources(ag({}), new Map([['GitRepository', informerOf({ 'apps/mono': { status: {} } })]]), 5000),
  );
  assert.equal(notReady.message, "get sources failed: source 'GitRepository/apps/mono' is not ready");
  const artifact = {
    digest: 'sha256:d',
    revision: 'latest@sha256:x',
    url: 'http://s/a',
    metadata: { 'org.opencontainers.image.revision': 'main@sha1:c' },
  };
  const observed = observeSources(
    ag({}),
    new Map([['GitRepository', informerOf({ 'apps/mono': { status: { artifact } } })]]),
    5000,
  );
  assert.deepEqual(observed.get('repo'), {
    digest: 'sha256:d',
    revision: 'latest@sha256:x',
    url: 'http://s/a',
    originRevision: 'main@sha1:c',
  });
  assert.deepEqual(sourceKeys(ag({})), ['GitRepository/apps/mono']);
});
