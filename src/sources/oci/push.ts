// Pushing an artifact as `flux push artifact` does: a tar.gz of a directory as the one layer, Flux's
// config and content media types, and the source/revision/created annotations on the manifest.
import { buildIgnoreMatcher } from '../../artifacts/ignore.ts';
import { archiveDirectory } from '../../artifacts/archive.ts';
import type { RegistryClient } from './client.ts';
import { FluxMediaTypes, MediaTypes, OciAnnotations, type Descriptor, type ImageManifest } from './manifest.ts';

/** The layer title Flux gives the tarball (`org.opencontainers.image.title`). */
export const ArtifactTarballFileName = 'artifact.tgz';

/** What an artifact manifest carries besides its layers. */
export interface ArtifactMetadata {
  /** `org.opencontainers.image.source`, e.g. the Git URL. */
  source?: string;
  /** `org.opencontainers.image.revision`, e.g. `main@sha1:<hex>`. */
  revision?: string;
  /** `org.opencontainers.image.created`; now (RFC 3339, seconds) when unset. */
  created?: string;
  /** Extra manifest annotations (`--annotations k=v`). */
  annotations?: Record<string, string>;
}

/** The manifest annotations Flux writes for `meta`. */
export function artifactAnnotations(
  meta: ArtifactMetadata,
  now: () => Date = () => new Date(),
): Record<string, string> {
  const out: Record<string, string> = { ...meta.annotations };
  out[OciAnnotations.created] =
    meta.created ??
    now()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
  if (meta.source) out[OciAnnotations.source] = meta.source;
  if (meta.revision) out[OciAnnotations.revision] = meta.revision;
  return out;
}

/** Options of `pushArtifact`. */
export interface PushArtifactOptions {
  client: RegistryClient;
  /** Tag to push to. */
  tag: string;
  /** The layer: a gzip-compressed tarball. */
  layer: Buffer;
  /** Media type of the layer (Flux's content type by default). */
  layerMediaType?: string;
  meta: ArtifactMetadata;
}

/** Pushes config, layer and manifest; returns the manifest digest and the manifest itself. */
export async function pushArtifact(o: PushArtifactOptions): Promise<{ digest: string; manifest: ImageManifest }> {
  const config = await o.client.pushBlob(Buffer.from('{}'), FluxMediaTypes.config);
  const layer: Descriptor = {
    ...(await o.client.pushBlob(o.layer, o.layerMediaType ?? FluxMediaTypes.content)),
    annotations: { [OciAnnotations.title]: ArtifactTarballFileName },
  };
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaTypes.ociManifest,
    config,
    layers: [layer],
    annotations: artifactAnnotations(o.meta),
  };
  const body = Buffer.from(JSON.stringify(manifest));
  const digest = await o.client.pushManifest(o.tag, body, MediaTypes.ociManifest);
  return { digest, manifest };
}

/**
 * Archives `dir` deterministically (the artifacts layer's tar.gz, Flux's default ignore rules plus
 * `.sourceignore` files and `ignorePaths`) as the layer of an artifact.
 */
export async function archiveForPush(dir: string, ignorePaths?: readonly string[]): Promise<Buffer> {
  const ignore = await buildIgnoreMatcher({
    root: dir,
    ...(ignorePaths && ignorePaths.length > 0 ? { specIgnore: ignorePaths.join('\n') } : {}),
  });
  return (await archiveDirectory({ dir, ignore })).data;
}
