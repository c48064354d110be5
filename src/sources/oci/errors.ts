// Typed errors of the OCI client. The class says what went wrong; the OCIRepository reconciler maps
// each class to source-controller's reason at its step boundary. Messages never carry credentials.

/** Base of every OCI client error. */
export class OciError extends Error {
  override readonly name: string = 'OciError';
}

/** The `oci://` address or a reference (tag, digest) does not parse. */
export class OciUrlError extends OciError {
  override readonly name = 'OciUrlError';
}

/** The registry refused the credentials (401/403 after authenticating), or the token service failed. */
export class OciAuthError extends OciError {
  override readonly name = 'OciAuthError';
}

/** The registry has no such tag, digest or repository (404, or a semver range matching no tag). */
export class OciNotFoundError extends OciError {
  override readonly name = 'OciNotFoundError';
}

/** Downloaded bytes do not match the digest (or size) that named them. */
export class OciDigestError extends OciError {
  override readonly name = 'OciDigestError';
}

/** The manifest has no layer to use, or the selected layer could not be extracted or copied. */
export class OciLayerError extends OciError {
  override readonly name = 'OciLayerError';
}

/** Anything else the registry answered that is not what the distribution spec promises (5xx, bad JSON, size caps). */
export class OciRegistryError extends OciError {
  override readonly name = 'OciRegistryError';
  constructor(
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
