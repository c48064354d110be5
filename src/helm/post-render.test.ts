import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HelmRelease } from '../api/helm-release.ts';
import { commonMetadataDigest, observedDigests, postRenderOf, postRenderersDigest } from './post-render.ts';

const hr = (spec: Partial<HelmRelease['spec']>): HelmRelease => ({
  apiVersion: 'helm.toolkit.fluxcd.io/v2',
  kind: 'HelmRelease',
  metadata: { name: 'web', namespace: 'apps' },
  spec: { interval: '1m', chartRef: { kind: 'HelmChart', name: 'web' }, ...spec },
});

void test('postRenderOf: kustomize post-renderers in order, commonMetadata, origin labels, strategy combined by default', () => {
  const config = postRenderOf(
    hr({
      postRenderers: [{ kustomize: { images: [{ name: 'nginx', newTag: '2.0' }] } }, {}],
      commonMetadata: { labels: { team: 'a' } },
    }),
  );
  assert.deepEqual(config, {
    strategy: 'combined',
    kustomize: [{ patches: [], images: [{ name: 'nginx', newTag: '2.0' }] }],
    labels: { team: 'a' },
    origin: { 'helm.toolkit.fluxcd.io/name': 'web', 'helm.toolkit.fluxcd.io/namespace': 'apps' },
  });
  assert.equal(postRenderOf(hr({ postRenderStrategy: 'nohooks' })).strategy, 'nohooks');
  // Every image and patch-target field goes to kustomize as the spec has it (kustomize's own JSON names).
  const image = { name: 'nginx', newName: 'registry.local/nginx', newTag: '2.0', digest: 'sha256:0123' };
  const target = {
    group: 'apps',
    version: 'v1',
    kind: 'Deployment',
    name: 'web',
    namespace: 'apps',
    labelSelector: 'app=web',
    annotationSelector: 'tier=front',
  };
  const full = postRenderOf(
    hr({ postRenderers: [{ kustomize: { images: [image], patches: [{ patch: 'x', target }] } }] }),
  );
  assert.deepEqual(full.kustomize, [{ images: [image], patches: [{ patch: 'x', target }] }]);
});

void test("digests are helm-controller's: sha256 of Go's JSON encoding (struct order, sorted maps, HTML escaped)", () => {
  // Vectors computed by Go's encoding/json over structs with helm-controller's field order and tags.
  assert.equal(
    postRenderersDigest([
      {
        kustomize: {
          images: [{ name: 'nginx', newTag: '2.0' }],
          patches: [
            {
              target: { labelSelector: 'app=web', name: 'web', kind: 'ConfigMap' },
              patch: '- op: add\n  path: /data/x\n  value: <a & b>\n',
            },
          ],
        },
      },
      {},
    ]),
    'sha256:973e3c982082b7fc3af730d53035c128b95e2ae313a8b570532ec42045702f21',
  );
  assert.equal(
    commonMetadataDigest({ labels: { z: '1', a: '2' }, annotations: { note: 'b' } }),
    'sha256:7feb03e075637d044801f83fb147b0609c6a45c18ed1274e6d299c263bf7edcf',
  );
  assert.deepEqual(observedDigests(hr({})), { postRenderers: '', commonMetadata: '' });
});
