// Typed errors of the render layer; each carries the Flux condition reason the reconciler reports.
import { Reasons } from '../api/constants.ts';

/** Building manifests failed (kustomize, YAML, security checks); reason `BuildFailed` unless told otherwise. */
export class BuildError extends Error {
  override readonly name: string = 'BuildError';
  /** Flux condition reason for the Kustomization's Ready condition. */
  readonly reason: string;

  constructor(options: { message: string; reason?: string; cause?: unknown }) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.reason = options.reason ?? Reasons.BuildFailed;
  }
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

/** Post-build variable substitution failed; Flux reports this as `BuildFailed` too. */
export class SubstitutionError extends BuildError {
  override readonly name: string = 'SubstitutionError';
  /** The variable that was undefined or malformed, when known. */
  readonly variable: string | undefined;

  constructor(options: { message: string; variable?: string; cause?: unknown }) {
    super({ message: options.message, cause: options.cause });
    this.variable = options.variable;
  }
}
