// Typed errors of the render layer. They say what went wrong by their class; the reconciler that
// builds decides which condition reason each class becomes.

/** Building manifests failed (kustomize, YAML, security checks). */
export class BuildError extends Error {
  override readonly name: string = 'BuildError';

  constructor(options: { message: string; cause?: unknown }) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
  }
}

/**
 * The directory to build is not there: the source directory cannot be read, or the path inside it is
 * missing or not a directory. A problem with what the source holds, not with the manifests in it.
 */
export class KustomizationPathError extends BuildError {
  override readonly name: string = 'KustomizationPathError';
}

/** A manifest stream could not be decoded into Kubernetes objects; `source` names the file or stream. */
export class ManifestError extends BuildError {
  override readonly name: string = 'ManifestError';
  /** File name (or stream label) the bad document came from. */
  readonly source: string;
  /** The message without the leading source name. */
  readonly detail: string;

  constructor(options: { source: string; message: string; cause?: unknown }) {
    super({ message: `${options.source}: ${options.message}`, cause: options.cause });
    this.source = options.source;
    this.detail = options.message;
  }
}

/** Post-build variable substitution failed. */
export class SubstitutionError extends BuildError {
  override readonly name: string = 'SubstitutionError';
  /** The variable that was undefined or malformed, when known. */
  readonly variable: string | undefined;

  constructor(options: { message: string; variable?: string; cause?: unknown }) {
    super({ message: options.message, cause: options.cause });
    this.variable = options.variable;
  }
}
