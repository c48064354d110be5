// Pulling an artifact the way source-controller does: resolve the reference to a revision, fetch the
// manifest (an index resolves to one of its manifests), select a layer, download it with its digest
// verified, then extract it safely (or keep the compressed bytes, for `operation: copy`).
import { createReadStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { UnsafeArchiveError, untarSafe } from '../../artifacts/untar.ts';
import type { RegistryClient } from './client.ts';
import { OciLayerError } from './errors.ts';
import { parseManifest, selectIndexManifest, selectLayer, type Descriptor, type ImageManifest } from './manifest.ts';
import { pickTagBySemver, type OciRefChoice } from './reference.ts';

/** The reference a choice resolved to and the revision Flux reports for it. */
export interface ResolvedArtifact {
  /** What the manifest is fetched by: the digest. */
  digest: string;
  /** The tag, when the ref chose one (`ref.tag`, `ref.semver` or the default). */
  tag?: string;
  /** `<tag>@sha256:<hex>`, or `sha256:<hex>` for a digest ref (Flux's OCIRepository revision). */
  revision: string;
}

/**
 * Resolves `choice` against the registry: a digest is taken as it is (no request), a semver range lists
 * the tags and picks the highest match, a tag is resolved to its manifest digest.
 */
export async function resolveArtifact(client: RegistryClient, choice: OciRefChoice): Promise<ResolvedArtifact> {
  if (choice.kind === 'digest') return { digest: choice.digest, revision: choice.digest };
  const tag =
    choice.kind === 'tag' ? choice.tag : pickTagBySemver(await client.listTags(), choice.range, choice.filter);
  const { digest } = await client.resolve(tag);
  return { digest, tag, revision: `${tag}@${digest}` };
}

/** The image manifest behind `digest`, descending into an index (its linux/amd64 or first entry). */
export async function fetchImageManifest(
  client: RegistryClient,
  digest: string,
): Promise<{ manifest: ImageManifest; digest: string }> {
  let fetched = await client.manifest(digest);
  let parsed = parseManifest(fetched.body, fetched.mediaType);
  if (parsed.kind === 'index') {
    const entry = selectIndexManifest(parsed.index);
    fetched = await client.manifest(entry.digest);
    parsed = parseManifest(fetched.body, fetched.mediaType);
    if (parsed.kind === 'index') throw new OciLayerError('nested image indexes are not supported');
  }
  return { manifest: parsed.manifest, digest: fetched.digest };
}

/** Options of `pullLayer`. */
export interface PullLayerOptions {
  client: RegistryClient;
  manifest: ImageManifest;
  /** `layerSelector.mediaType`; the first layer when empty. */
  mediaType?: string;
  /** `layerSelector.operation`: `extract` (default) unpacks into `dir`, `copy` keeps the blob as `dir/layer.tgz`. */
  operation?: 'extract' | 'copy';
  /** Scratch directory of the pull: the blob is downloaded into it, the tree extracted under `dir/content`. */
  dir: string;
  /** Cap on the compressed layer and on its extracted size, in bytes. */
  maxBytes: number;
}

/** What `pullLayer` produced: the extracted tree's directory, or the verified blob's file for `copy`. */
export type PulledLayer =
  { operation: 'extract'; layer: Descriptor; dir: string } | { operation: 'copy'; layer: Descriptor; file: string };

/**
 * Downloads the selected layer (digest and size verified before anything reads it) and extracts it with
 * the artifacts layer's safe untar (no `..`, absolute paths, links or devices; capped). Extraction
 * failures are OciLayerError with Flux's wording.
 */
export async function pullLayer(o: PullLayerOptions): Promise<PulledLayer> {
  const layer = selectLayer(o.manifest, o.mediaType);
  const blob = path.join(o.dir, 'layer.tgz');
  await o.client.downloadBlob(layer, blob, o.maxBytes);
  if (o.operation === 'copy') return { operation: 'copy', layer, file: blob };
  const dest = path.join(o.dir, 'content');
  await mkdir(dest, { recursive: true });
  try {
    await untarSafe({ source: createReadStream(blob), dest, maxBytes: o.maxBytes });
  } catch (err) {
    const detail =
      err instanceof UnsafeArchiveError
        ? err.message
        : `${(err as Error).message} (is the layer a gzip-compressed tarball?)`;
    throw new OciLayerError(`failed to extract layer contents from artifact: ${detail}`, { cause: err });
  }
  return { operation: 'extract', layer, dir: dest };
}
