// Public surface of the artifacts layer: archive, digest, storage, HTTP serving and fetching.
export { archiveDirectory, ArchiveMode, ARCHIVE_DEFAULTS } from './archive.ts';
export type { ArchiveOptions } from './archive.ts';
export { sha256Digest, parseDigest, DIGEST_PATTERN } from './digest.ts';
export {
  ArchiveError,
  ArtifactDigestError,
  ArtifactFetchError,
  ArtifactNotFoundError,
  ArtifactReason,
  ArtifactUnpackError,
  StorageError,
} from './errors.ts';
export type { ArtifactReasonValue } from './errors.ts';
export { fetchArtifact, FETCH_DEFAULTS } from './fetch.ts';
export type { FetchArtifactOptions } from './fetch.ts';
export { buildIgnoreMatcher, DEFAULT_IGNORE_PATTERNS, SOURCE_IGNORE_FILE, VCS_IGNORE_PATTERNS } from './ignore.ts';
export type { IgnoreMatcher, IgnoreMatcherOptions } from './ignore.ts';
export { artifactRoutes, startArtifactServer } from './server.ts';
export type { ArtifactServer, ArtifactServerOptions } from './server.ts';
export { ArtifactStorage } from './storage.ts';
export type { Artifact, ArtifactStorageOptions, StoreRequest } from './storage.ts';
