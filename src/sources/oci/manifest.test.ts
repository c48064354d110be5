import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OciLayerError, OciRegistryError } from './errors.ts';
import {
  FluxMediaTypes,
  MediaTypes,
  parseManifest,
  selectIndexManifest,
  selectLayer,
  type ImageManifest,
} from './manifest.ts';

const d = (c: string) => `sha256:${c.repeat(64)}`;
const manifest: ImageManifest = {
  schemaVersion: 2,
  mediaType: MediaTypes.ociManifest,
  config: { mediaType: FluxMediaTypes.config, digest: d('c'), size: 2 },
  layers: [
    { mediaType: 'application/vnd.acme.readme.v1', digest: d('1'), size: 5 },
    { mediaType: FluxMediaTypes.content, digest: d('2'), size: 10 },
    { mediaType: FluxMediaTypes.content, digest: d('3'), size: 10 },
  ],
};

void test('spec.layerSelector unset: the first layer, as Flux', () => {
  assert.equal(selectLayer(manifest).digest, d('1'));
  assert.equal(selectLayer(manifest, '').digest, d('1'));
});

void test('spec.layerSelector.mediaType: the first layer of that media type, or an error naming it', () => {
  assert.equal(selectLayer(manifest, FluxMediaTypes.content).digest, d('2'));
  assert.throws(
    () => selectLayer(manifest, 'application/x-none'),
    /failed to find layer with media type 'application\/x-none' in artifact/,
  );
  assert.throws(() => selectLayer({ ...manifest, layers: [] }), OciLayerError);
  assert.throws(() => selectLayer({ ...manifest, layers: [] }), /no layers found in artifact/);
});

void test('parses OCI and Docker manifests and indexes; the document media type wins over Content-Type', () => {
  const m = parseManifest(Buffer.from(JSON.stringify(manifest)), 'text/plain');
  assert.equal(m.kind, 'manifest');
  const docker = { ...manifest, mediaType: MediaTypes.dockerManifest };
  assert.equal(parseManifest(Buffer.from(JSON.stringify(docker)), undefined).kind, 'manifest');
  const index = { schemaVersion: 2, manifests: [{ mediaType: MediaTypes.ociManifest, digest: d('4'), size: 1 }] };
  assert.equal(parseManifest(Buffer.from(JSON.stringify(index)), MediaTypes.ociIndex).kind, 'index');
  assert.equal(parseManifest(Buffer.from(JSON.stringify(index)), undefined).kind, 'index');
  const list = { ...index, mediaType: MediaTypes.dockerManifestList };
  assert.equal(parseManifest(Buffer.from(JSON.stringify(list)), MediaTypes.ociManifest).kind, 'index');
});

void test('refuses what is not an image manifest', () => {
  assert.throws(() => parseManifest(Buffer.from('{'), undefined), OciRegistryError);
  assert.throws(
    () =>
      parseManifest(
        Buffer.from(
          JSON.stringify({ schemaVersion: 1, mediaType: 'application/vnd.docker.distribution.manifest.v1+json' }),
        ),
        undefined,
      ),
    /unsupported manifest media type/,
  );
  assert.throws(
    () => parseManifest(Buffer.from(JSON.stringify({ schemaVersion: 2 })), undefined),
    /not an image manifest/,
  );
});

void test('an index resolves to its linux/amd64 manifest, else one without platform, else the first', () => {
  const arm = {
    mediaType: MediaTypes.ociManifest,
    digest: d('a'),
    size: 1,
    platform: { os: 'linux', architecture: 'arm64' },
  };
  const amd = {
    mediaType: MediaTypes.ociManifest,
    digest: d('b'),
    size: 1,
    platform: { os: 'linux', architecture: 'amd64' },
  };
  const none = { mediaType: MediaTypes.ociManifest, digest: d('e'), size: 1 };
  assert.equal(selectIndexManifest({ schemaVersion: 2, manifests: [arm, amd] }).digest, d('b'));
  assert.equal(selectIndexManifest({ schemaVersion: 2, manifests: [arm, none] }).digest, d('e'));
  assert.equal(selectIndexManifest({ schemaVersion: 2, manifests: [arm] }).digest, d('a'));
  assert.throws(() => selectIndexManifest({ schemaVersion: 2, manifests: [] }), /no manifests found/);
});
