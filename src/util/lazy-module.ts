// Packages only some installations use, loaded on first use instead of at start (an idle manager stays small).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * A getter for `specifier`, loaded synchronously from the package's CommonJS build the first time it is called.
 * Import only its types statically (`import type`), so nothing of it is loaded before.
 */
export function lazyModule<T>(specifier: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= require(specifier) as T);
}
