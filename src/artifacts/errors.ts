// Typed errors of the artifacts layer. They say what went wrong by their class; the reconciler that
// calls the layer decides which condition reason each class becomes.

/** Archiving a source directory failed (bad symlink, size cap, unreadable file). */
export class ArchiveError extends Error {
  override readonly name = 'ArchiveError';
}

/** Writing, listing or deleting files in artifact storage failed, or a path escaped the root. */
export class StorageError extends Error {
  override readonly name = 'StorageError';
}

/** Base of the consumer-side errors raised while downloading an artifact. */
export class ArtifactFetchError extends Error {
  override readonly name: string = 'ArtifactFetchError';
  /** The artifact URL that was being fetched. */
  readonly url: string;

  constructor(url: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.url = url;
  }
}

/** The artifact server answered 404: the source has not produced (or already garbage-collected) this artifact. */
export class ArtifactNotFoundError extends ArtifactFetchError {
  override readonly name = 'ArtifactNotFoundError';
}

/** The downloaded bytes do not match the digest recorded in the source's `status.artifact.digest`. */
export class ArtifactDigestError extends ArtifactFetchError {
  override readonly name = 'ArtifactDigestError';
}

/** The tarball is malformed, unsafe (traversal, links, devices) or expands beyond the size cap. */
export class ArtifactUnpackError extends ArtifactFetchError {
  override readonly name = 'ArtifactUnpackError';
}

/** Formats a byte count for error messages, e.g. `10 MiB` or `1536 bytes`. */
export function formatBytes(n: number): string {
  const mib = 1024 * 1024;
  if (n >= mib && n % mib === 0) return `${n / mib} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

/** Returns the `code` of a Node.js system error, or undefined for anything else. */
export function errnoCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}
