// Walks a source directory into the sorted list of tar entries, enforcing symlink rules and size caps.
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import path from 'node:path';
import { ArchiveError, errnoCode, formatBytes } from './errors.ts';
import type { IgnoreMatcher } from './ignore.ts';

/** One entry of the archive: a directory, or a regular file read from `source` (a real path inside the root). */
export type TreeEntry =
  | { type: 'directory'; name: string }
  | { type: 'file'; name: string; source: string; size: number; executable: boolean };

/** Limits and filter for `walkTree`; all required here, defaults live in `archiveDirectory`. */
export interface WalkLimits {
  ignore: IgnoreMatcher | undefined;
  maxFileBytes: number;
  maxTotalBytes: number;
  maxFiles: number;
}

/** What `walkTree` found: the entries to archive and the links it left out. */
export interface WalkResult {
  entries: TreeEntry[];
  /** Root-relative paths of symlinks that resolve outside the tree, in walk order; never followed. */
  skippedSymlinks: string[];
}

interface WalkState extends WalkLimits, WalkResult {
  root: string;
  totalBytes: number;
}

/**
 * Lists `dir` depth-first with sorted children; symlinks that resolve inside the tree become their
 * target (directories followed, loops refused), symlinks leaving it are left out and listed in
 * `skippedSymlinks` without reading the target (as Flux leaves links out); sockets/FIFOs/devices are
 * skipped; caps fail with `ArchiveError`.
 */
export async function walkTree(dir: string, limits: WalkLimits): Promise<WalkResult> {
  let root: string;
  try {
    root = await realpath(dir);
  } catch (err) {
    throw new ArchiveError(`cannot archive "${dir}": ${(err as Error).message}`, { cause: err });
  }
  const state: WalkState = { ...limits, root, entries: [], skippedSymlinks: [], totalBytes: 0 };
  await walkDir(state, root, '', new Set([root]));
  return { entries: state.entries, skippedSymlinks: state.skippedSymlinks };
}

async function walkDir(
  state: WalkState,
  realDir: string,
  relDir: string,
  ancestors: ReadonlySet<string>,
): Promise<void> {
  const names = await readdir(realDir);
  names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const name of names) {
    const rel = relDir === '' ? name : `${relDir}/${name}`;
    const abs = path.join(realDir, name);
    const info = await lstat(abs);
    if (info.isSymbolicLink()) await addSymlink(state, abs, rel, ancestors);
    else if (info.isDirectory()) await addDirectory(state, abs, rel, ancestors);
    else if (info.isFile()) addFile(state, abs, rel, info);
    // Sockets, FIFOs and devices are never part of a source artifact (Flux keeps regular files and dirs only).
  }
}

async function addDirectory(
  state: WalkState,
  realDir: string,
  rel: string,
  ancestors: ReadonlySet<string>,
): Promise<void> {
  if (state.ignore?.(rel, true)) return;
  countEntry(state, rel);
  state.entries.push({ type: 'directory', name: rel });
  await walkDir(state, realDir, rel, new Set([...ancestors, realDir]));
}

function addFile(state: WalkState, source: string, rel: string, info: Stats): void {
  if (state.ignore?.(rel, false)) return;
  countEntry(state, rel);
  if (info.size > state.maxFileBytes) {
    throw new ArchiveError(
      `file "${rel}" is ${info.size} bytes, over the per-file limit of ${formatBytes(state.maxFileBytes)}; exclude it with .sourceignore or spec.ignore`,
    );
  }
  state.totalBytes += info.size;
  if (state.totalBytes > state.maxTotalBytes) {
    throw new ArchiveError(
      `archive exceeds the total size limit of ${formatBytes(state.maxTotalBytes)} at file "${rel}"; exclude large files with .sourceignore or spec.ignore`,
    );
  }
  // Any execute bit makes the file executable, as Flux's setDefaultMode does.
  state.entries.push({ type: 'file', name: rel, source, size: info.size, executable: (info.mode & 0o111) !== 0 });
}

function countEntry(state: WalkState, rel: string): void {
  if (state.entries.length >= state.maxFiles) {
    throw new ArchiveError(`archive exceeds the limit of ${state.maxFiles} files and directories at "${rel}"`);
  }
}

/** Resolves a symlink without reading its target's content, then archives the target under the link's name. */
async function addSymlink(state: WalkState, abs: string, rel: string, ancestors: ReadonlySet<string>): Promise<void> {
  // An ignored link is skipped before resolving it, so an excluded bad link cannot fail the archive.
  if (state.ignore?.(rel, false) && state.ignore(rel, true)) return;
  let target: string;
  try {
    target = await realpath(abs);
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT') return; // Dangling links carry no content; Flux drops every symlink anyway.
    if (code === 'ELOOP') {
      throw new ArchiveError(`symlink "${rel}" is part of a symlink loop; remove or fix the link`, { cause: err });
    }
    throw new ArchiveError(`cannot resolve symlink "${rel}": ${code ?? 'unknown error'}`, { cause: err });
  }
  const targetRel = path.relative(state.root, target);
  if (targetRel === '..' || targetRel.startsWith(`..${path.sep}`) || path.isAbsolute(targetRel)) {
    // Neither stat nor read the target: its path and content belong to the host, not the repository.
    state.skippedSymlinks.push(rel);
    return;
  }
  const info = await stat(target);
  if (state.ignore?.(rel, info.isDirectory())) return;
  // A link must not smuggle in what the rules exclude, e.g. `config -> .git/config`.
  if (targetRel !== '' && isExcluded(state.ignore, targetRel.split(path.sep).join('/'), info.isDirectory())) return;
  if (info.isDirectory()) {
    if (ancestors.has(target)) {
      throw new ArchiveError(
        `symlink "${rel}" points to one of its own parent directories (a loop); remove or fix the link`,
      );
    }
    await addDirectory(state, target, rel, ancestors);
  } else if (info.isFile()) {
    addFile(state, target, rel, info);
  }
}

/** True when the path or any of its parent directories is ignored. */
function isExcluded(ignore: IgnoreMatcher | undefined, relPath: string, isDir: boolean): boolean {
  if (ignore === undefined) return false;
  const parts = relPath.split('/');
  for (let i = 1; i < parts.length; i++) {
    if (ignore(parts.slice(0, i).join('/'), true)) return true;
  }
  return ignore(relPath, isDir);
}
