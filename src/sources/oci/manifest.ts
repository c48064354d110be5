// OCI and Docker manifest media types, Flux's artifact media types and annotations, and the pure
// choices made on a manifest: which manifest of an index, which layer.
import { OciLayerError, OciRegistryError } from './errors.ts';

/** Manifest media types the client accepts (`Accept` of manifest requests). */
export const MediaTypes = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
} as const;

/** The `Accept` header of manifest requests: every manifest and index type above. */
export const ManifestAccept = Object.values(MediaTypes).join(', ');

/** Media types of artifacts made by `flux push artifact` (fluxcd/pkg oci). */
export const FluxMediaTypes = {
  config: 'application/vnd.cncf.flux.config.v1+json',
  content: 'application/vnd.cncf.flux.content.v1.tar+gzip',
} as const;

/** Manifest annotations Flux writes and reads (OCI image-spec pre-defined keys). */
export const OciAnnotations = {
  source: 'org.opencontainers.image.source',
  revision: 'org.opencontainers.image.revision',
  created: 'org.opencontainers.image.created',
  title: 'org.opencontainers.image.title',
} as const;

/** A content descriptor. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: { os?: string; architecture?: string; variant?: string };
  artifactType?: string;
}

/** An image manifest (OCI or Docker v2 schema 2). */
export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

/** An image index (OCI) or manifest list (Docker). */
export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

/** True when `mediaType` (the response's Content-Type or the document's own) is an index or manifest list. */
export function isIndexMediaType(mediaType: string | undefined): boolean {
  return mediaType === MediaTypes.ociIndex || mediaType === MediaTypes.dockerManifestList;
}

/**
 * Parses a manifest or index document. The document's `mediaType` wins over the response's Content-Type;
 * an index is recognised by its `manifests` array when neither says. Throws OciRegistryError otherwise.
 */
export function parseManifest(
  body: Buffer,
  contentType: string | undefined,
): { kind: 'index'; index: ImageIndex } | { kind: 'manifest'; manifest: ImageManifest } {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new OciRegistryError('the registry returned a manifest that is not valid JSON');
  }
  if (typeof doc !== 'object' || doc === null) throw new OciRegistryError('the registry returned an empty manifest');
  const mediaType = typeof doc.mediaType === 'string' ? doc.mediaType : contentType?.split(';')[0]?.trim();
  if (isIndexMediaType(mediaType) || (mediaType === undefined && Array.isArray(doc.manifests))) {
    if (!Array.isArray(doc.manifests)) throw new OciRegistryError('the image index has no manifests list');
    return { kind: 'index', index: doc as unknown as ImageIndex };
  }
  if (mediaType !== undefined && mediaType !== MediaTypes.ociManifest && mediaType !== MediaTypes.dockerManifest) {
    throw new OciRegistryError(`unsupported manifest media type '${mediaType}'`);
  }
  if (doc.schemaVersion !== 2 || typeof doc.config !== 'object' || !Array.isArray(doc.layers)) {
    throw new OciRegistryError('the manifest is not an image manifest (schemaVersion 2 with config and layers)');
  }
  return { kind: 'manifest', manifest: doc as unknown as ImageManifest };
}

/**
 * The manifest of an index to pull: the `linux/amd64` entry when platforms are given (the default
 * platform of Flux's registry library), else the first entry. Throws OciLayerError for an empty index.
 */
export function selectIndexManifest(index: ImageIndex): Descriptor {
  const manifests = index.manifests.filter((m) => !isIndexMediaType(m.mediaType));
  const pick =
    manifests.find((m) => m.platform?.os === 'linux' && m.platform.architecture === 'amd64') ??
    manifests.find((m) => m.platform === undefined) ??
    manifests[0];
  if (!pick) throw new OciLayerError('no manifests found in the image index');
  return pick;
}

/**
 * The layer Flux would use: the first one whose media type is `mediaType` when given, else the first
 * layer. Throws OciLayerError with Flux's wording when there is none.
 */
export function selectLayer(manifest: ImageManifest, mediaType?: string): Descriptor {
  if (manifest.layers.length === 0) throw new OciLayerError('no layers found in artifact');
  if (!mediaType) return manifest.layers[0]!;
  const layer = manifest.layers.find((l) => l.mediaType === mediaType);
  if (!layer) throw new OciLayerError(`failed to find layer with media type '${mediaType}' in artifact`);
  return layer;
}
