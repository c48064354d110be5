// Which object keys become files of a Bucket artifact, and where.
import { UnsafeObjectKeyError } from './errors.ts';

/** The object Flux reads ignore rules from, at the bucket root (whatever `spec.prefix` is). */
export const BUCKET_IGNORE_OBJECT = '.sourceignore';

/**
 * True for keys source-controller leaves out of the index before any rule: "directory" placeholder
 * objects (keys ending in `/`) and the `.sourceignore` object itself.
 */
export function isSkippedKey(key: string): boolean {
  return key.endsWith('/') || key === BUCKET_IGNORE_OBJECT;
}

/**
 * Why `key` cannot be written as a relative file path inside the artifact, or undefined when it can.
 * Refused: empty keys, NUL or backslash, a leading `/`, and `.`, `..` or empty segments, so that no
 * key can name a file outside the artifact root or collide with another key after normalisation.
 */
export function objectKeyProblem(key: string): string | undefined {
  if (key === '') return 'is empty';
  if (key.includes('\0')) return 'contains a NUL character';
  if (key.includes('\\')) return 'contains a backslash';
  if (key.startsWith('/')) return 'is an absolute path';
  const segments = key.split('/');
  if (segments.includes('..')) return "contains a '..' segment (it would escape the artifact root)";
  if (segments.includes('.')) return "contains a '.' segment";
  if (segments.includes('')) return "contains an empty segment ('//')";
  return undefined;
}

/** Throws UnsafeObjectKeyError when `key` cannot be a file path inside the artifact. */
export function assertSafeObjectKey(key: string): void {
  const problem = objectKeyProblem(key);
  if (problem !== undefined) throw new UnsafeObjectKeyError(key, problem);
}
