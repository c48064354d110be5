// Builds one ArtifactGenerator output artifact: stage the copied files, name the archive after their
// content, store it. Identical inputs give the same file name, bytes, digest and revision.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { archiveDirectory } from '../archive.ts';
import { DEFAULT_IGNORE_PATTERNS, VCS_IGNORE_PATTERNS, rulesMatcher } from '../ignore.ts';
import type { Artifact, ArtifactStorage } from '../storage.ts';
import { applyCopyOperations, type CopyOperation } from './copy.ts';
import { dirHash } from './dirhash.ts';

export { CopyError, CopyStrategies, type CopyOperation } from './copy.ts';

/** source-controller's kind name for the generated objects; also the storage directory (lowercased). */
export const ExternalArtifactKind = 'ExternalArtifact';

/** Input of `buildComposedArtifact`. */
export interface ComposeRequest {
  /** The artifact's (and ExternalArtifact's) name. */
  name: string;
  namespace: string;
  copy: readonly CopyOperation[];
  /** Extracted source trees by alias. */
  sources: ReadonlyMap<string, string>;
  /** Scratch directory of this reconcile; the staging directory is created in it. */
  workspace: string;
  storage: ArtifactStorage;
  /** Cap on one Extract tarball's decompressed size. */
  maxExtractBytes: number;
  signal?: AbortSignal;
}

// The archive leaves out what source-controller's default filter does (VCS files, images, tarballs, CI files).
const defaultFilter = rulesMatcher([[...VCS_IGNORE_PATTERNS, ...DEFAULT_IGNORE_PATTERNS].join('\n')]);

/**
 * Applies the copy operations into `<workspace>/<name>`, hashes the staged files (the archive is named
 * `<dirhash>.tar.gz`), archives and stores them; the revision is `latest@<digest>`. Throws CopyError,
 * ArchiveError or StorageError.
 */
export async function buildComposedArtifact(req: ComposeRequest): Promise<Artifact> {
  const staging = path.join(req.workspace, 'staging', req.name);
  await mkdir(staging, { recursive: true });
  await applyCopyOperations(req.copy, {
    sources: req.sources,
    staging,
    maxExtractBytes: req.maxExtractBytes,
    ...(req.signal ? { signal: req.signal } : {}),
  });
  const hash = await dirHash(staging, req.name);
  const { data } = await archiveDirectory({ dir: staging, ignore: defaultFilter });
  const artifact = await req.storage.store({
    kind: ExternalArtifactKind,
    namespace: req.namespace,
    name: req.name,
    filename: `${hash}.tar.gz`,
    data,
    revision: '',
  });
  return { ...artifact, revision: `latest@${artifact.digest}` };
}
