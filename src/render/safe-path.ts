// Path confinement for the build: every path kustomize may read must resolve, through symlinks, inside the root.
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { BuildError } from './errors.ts';

/** True when `candidate` is `root` or below it (both absolute and normalised). */
export function isInside(root: string, candidate: string): boolean {
  return candidate === root || candidate.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

/** Where a reference resolved: its real path, whether it exists, and whether it stays inside the root. */
export type ResolvedPath = { real: string; exists: boolean; inside: boolean };

/**
 * Resolves `ref` relative to `base` and follows symlinks; for a path that does not exist yet, the deepest existing
 * ancestor is resolved instead so a symlinked parent cannot smuggle it out. `root` must already be a real path.
 * Throws BuildError on a symlink loop or an unreadable path; never throws for a path that is merely outside.
 */
export async function resolveInside(root: string, base: string, ref: string): Promise<ResolvedPath> {
  const lexical = path.resolve(base, ref);
  let probe = lexical;
  const missing: string[] = [];
  for (;;) {
    try {
      // `missing` holds the non-existent tail, deepest segment first.
      const real = path.join(await realpath(probe), ...[...missing].reverse());
      return { real, exists: missing.length === 0, inside: isInside(root, real) };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ELOOP') {
        throw new BuildError({ message: `'${relativeTo(root, lexical)}' is a symlink loop`, cause: err });
      }
      if (code !== 'ENOENT' && code !== 'ENOTDIR') {
        throw new BuildError({
          message: `cannot resolve '${relativeTo(root, lexical)}': ${code ?? 'error'}`,
          cause: err,
        });
      }
      const parent = path.dirname(probe);
      if (parent === probe) return { real: lexical, exists: false, inside: isInside(root, lexical) };
      missing.push(path.basename(probe));
      probe = parent;
    }
  }
}

/** A path shown relative to the root (POSIX separators), or `.` for the root itself. */
export function relativeTo(root: string, abs: string): string {
  const rel = path.relative(root, abs);
  return rel === '' ? '.' : rel.split(path.sep).join('/');
}
