// Typed errors of the S3 bucket client. They say what went wrong by their class; the Bucket reconciler
// decides which condition reason each becomes. No message ever holds a credential or a signature.

/** Base class of every bucket client error. */
export class BucketError extends Error {
  override readonly name: string = 'BucketError';
}

/** The endpoint is not `host[:port]` (a scheme or path was given) or otherwise unusable. */
export class BucketEndpointError extends BucketError {
  override readonly name: string = 'BucketEndpointError';
}

/** The S3 server answered with an error status; `code` is S3's error code (`AccessDenied`, `NoSuchKey`, …). */
export class S3ResponseError extends BucketError {
  override readonly name: string = 'S3ResponseError';
  readonly code: string;
  readonly statusCode: number;
  /** The region the server says the bucket is in, when it names one (a "wrong region" answer). */
  readonly region: string | undefined;

  constructor(code: string, statusCode: number, message: string, region?: string) {
    super(message);
    this.code = code;
    this.statusCode = statusCode;
    this.region = region;
  }
}

/** An object key that cannot become a file inside the artifact (`../`, absolute, backslash, NUL, empty segment). */
export class UnsafeObjectKeyError extends BucketError {
  override readonly name: string = 'UnsafeObjectKeyError';
  readonly key: string;

  constructor(key: string, problem: string) {
    super(`object key '${shownKey(key)}' ${problem}; rename or delete the object, or narrow spec.prefix`);
    this.key = key;
  }
}

/** The bucket holds more objects or bytes than the limits allow, or an object is larger than the per-object cap. */
export class BucketLimitError extends BucketError {
  override readonly name: string = 'BucketLimitError';
}

/** A key as it may appear in a message: control characters escaped, long keys cut. */
export function shownKey(key: string): string {
  // eslint-disable-next-line no-control-regex
  const escaped = key.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return escaped.length > 200 ? `${escaped.slice(0, 200)}…` : escaped;
}
