// source-watcher's copy operations (`spec.artifacts[].copy[]`) with cp-like semantics: a staging
// directory is filled from the extracted sources, operation after operation, later files overwriting
// earlier ones (or merged into them with the Merge strategy, or extracted with Extract).
import { createReadStream } from 'node:fs';
import { chmod, copyFile, lstat, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import path from 'node:path';
import { UnsafeArchiveError, untarSafe } from '../untar.ts';
import {
  BadPatternError,
  containsGlobChars,
  doublestarMatch,
  goMatch,
  isExcluded,
  validateDoublestarPattern,
  validateGoPattern,
} from './glob.ts';
import { mergeYamlFiles } from './merge.ts';

/** The copy strategies source-watcher documents. */
export const CopyStrategies = ['Overwrite', 'Merge', 'Extract'] as const;

/** One `copy[]` entry of an ArtifactGenerator artifact. */
export interface CopyOperation {
  from: string;
  to: string;
  exclude?: readonly string[];
  strategy?: (typeof CopyStrategies)[number];
}

/** A copy operation that cannot be carried out; the message says which and why. */
export class CopyError extends Error {
  override readonly name = 'CopyError';
}

/** Options of `applyCopyOperations`. */
export interface CopyOptions {
  /** Extracted source trees by alias. */
  sources: ReadonlyMap<string, string>;
  /** The artifact's staging directory (exists, empty at first). */
  staging: string;
  /** Cap on what one Extract tarball may decompress to. */
  maxExtractBytes: number;
  signal?: AbortSignal;
}

/** Runs the operations in order; throws CopyError naming the failing operation. */
export async function applyCopyOperations(ops: readonly CopyOperation[], opts: CopyOptions): Promise<void> {
  for (const op of ops) {
    opts.signal?.throwIfAborted();
    try {
      await applyCopyOperation(op, opts);
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      const detail = err instanceof Error ? err.message : String(err);
      throw new CopyError(`failed to apply copy operation from '${op.from}' to '${op.to}': ${detail}`, { cause: err });
    }
  }
}

/** `@alias/pattern` → alias and pattern, as source-watcher's parseCopySource. */
export function parseCopySource(from: string): { alias: string; pattern: string } {
  if (!from.startsWith('@')) throw new CopyError(`invalid copy source '${from}': source must start with '@'`);
  const slash = from.indexOf('/');
  if (slash < 0) throw new CopyError(`invalid copy source '${from}': source format must be '@alias/pattern'`);
  return { alias: from.slice(1, slash), pattern: from.slice(slash + 1) };
}

/** Go's filepath.Clean for relative paths, refusing any that leave the tree (an absolute path or `..`). */
export function cleanInside(p: string, what: string): string {
  const cleaned = path.posix.normalize(p === '' ? '.' : p).replace(/(.)\/+$/, '$1');
  if (path.posix.isAbsolute(cleaned) || cleaned === '..' || cleaned.startsWith('../')) {
    throw new CopyError(`${what} '${p}' escapes from its root`);
  }
  return cleaned;
}

const join = (...parts: string[]): string => cleanInside(path.posix.join(...parts), 'path');

const isTarball = (p: string): boolean => /\.(tar\.gz|tgz)$/i.test(p);

/** The literal prefix of a pattern before its first glob segment ("." when none). */
function selectionRoot(pattern: string): string {
  const parts: string[] = [];
  for (const part of path.posix.normalize(pattern).split('/')) {
    if (containsGlobChars(part)) break;
    parts.push(part);
  }
  return parts.length === 0 ? '.' : path.posix.join(...parts);
}

/** source-watcher's shouldExcludePath: the path itself, or relative to the selection root. */
function excluded(filePath: string, base: string, patterns: readonly string[]): boolean {
  if (patterns.length === 0) return false;
  if (isExcluded(filePath, patterns)) return true;
  if (base === '.' || base === '') return false;
  const rel = path.posix.relative(base, filePath);
  if (rel === '' || rel === '..' || rel.startsWith('../') || rel === filePath) return false;
  return isExcluded(rel, patterns);
}

/** lstat that answers undefined for a missing path. */
async function lstatOrUndefined(p: string): Promise<Stats | undefined> {
  try {
    return await lstat(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') {
      return undefined;
    }
    throw err;
  }
}

async function applyCopyOperation(op: CopyOperation, opts: CopyOptions): Promise<void> {
  const { alias, pattern } = parseCopySource(op.from);
  if (!op.to.startsWith('@artifact/')) {
    throw new CopyError(`invalid copy destination '${op.to}': destination must start with '@artifact/'`);
  }
  const dest = cleanInside(op.to.slice('@artifact/'.length), 'destination');
  const root = opts.sources.get(alias);
  if (root === undefined) throw new CopyError(`source alias '${alias}' not found`);
  const exclude = op.exclude ?? [];
  for (const p of exclude) {
    try {
      validateDoublestarPattern(p);
    } catch {
      throw new CopyError(`invalid exclude pattern '${p}'`);
    }
  }
  const ctx: OpContext = { op, root, staging: opts.staging, exclude, opts };
  if (pattern.split('/').includes('..') || pattern.startsWith('/')) {
    throw new CopyError(`source path '${pattern}' escapes from the source root`);
  }
  if (!containsGlobChars(pattern)) return copySingle(ctx, cleanInside(pattern, 'source'), dest, op.to.endsWith('/'));

  let matches: string[];
  try {
    matches = op.strategy === 'Extract' ? await doublestarGlob(root, pattern) : await goGlob(root, pattern);
  } catch (err) {
    if (err instanceof BadPatternError) throw new CopyError(`invalid glob pattern '${pattern}': ${err.message}`);
    throw err;
  }
  if (matches.length === 0) throw new CopyError(`no files match pattern '${pattern}' in source '${alias}'`);
  const base = selectionRoot(pattern);
  const selected = matches.filter((m) => m !== '.' && m !== '..' && !excluded(m, base, exclude));
  if (selected.length === 0) {
    throw new CopyError(`all files matching pattern '${pattern}' in source '${alias}' were excluded`);
  }
  for (const match of selected) {
    opts.signal?.throwIfAborted();
    if (op.strategy === 'Extract') {
      if (isTarball(match)) await extract(ctx, match, dest);
      continue;
    }
    await copyEntry(ctx, match, globDestination(pattern, match, dest), base);
  }
}

interface OpContext {
  op: CopyOperation;
  root: string;
  staging: string;
  exclude: readonly string[];
  opts: CopyOptions;
}

/** `dir/**` strips `dir/` from what it matched; other patterns keep the matched path. */
function globDestination(pattern: string, match: string, dest: string): string {
  if (pattern.endsWith('/**')) {
    const prefix = `${pattern.slice(0, -3)}/`;
    if (match.startsWith(prefix)) return join(dest, match.slice(prefix.length));
  }
  return join(dest, match);
}

async function copySingle(ctx: OpContext, src: string, dest: string, destIsDir: boolean): Promise<void> {
  const info = await lstatOrUndefined(path.join(ctx.root, src));
  if (!info || info.isSymbolicLink()) throw new CopyError(`source '${src}' does not exist`);
  if (info.isDirectory()) {
    if (ctx.op.strategy === 'Extract') {
      throw new CopyError(`extract strategy is not supported for directories, got '${src}'`);
    }
    return copyEntry(ctx, src, join(dest, path.posix.basename(src)), src);
  }
  if (excluded(src, '.', ctx.exclude)) return;
  if (ctx.op.strategy === 'Extract') {
    if (!isTarball(src)) {
      throw new CopyError(`extract strategy requires tarball file (.tar.gz or .tgz), got '${src}'`);
    }
    return extract(ctx, src, dest);
  }
  let target = dest;
  if (destIsDir || (await lstatOrUndefined(path.join(ctx.staging, dest)))?.isDirectory()) {
    target = join(dest, path.posix.basename(src));
  }
  return copyEntry(ctx, src, target, '.');
}

/** Copies a file or, recursively, a directory; symlinks are never followed (source artifacts hold none). */
async function copyEntry(ctx: OpContext, src: string, dest: string, base: string): Promise<void> {
  const abs = path.join(ctx.root, src);
  const info = await lstat(abs);
  if (info.isSymbolicLink()) return;
  if (info.isDirectory()) return copyDir(ctx, src, dest, base);
  if (!info.isFile()) return;
  const target = path.join(ctx.staging, dest);
  if (ctx.op.strategy === 'Merge' && (await lstatOrUndefined(target))) {
    await writeFile(target, mergeYamlFiles(await readFile(target, 'utf8'), await readFile(abs, 'utf8')), {
      mode: 0o644,
    });
    return;
  }
  await copyRegular(abs, target, info.mode);
}

async function copyRegular(abs: string, target: string, mode: number): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true });
  await copyFile(abs, target);
  await chmod(target, mode & 0o777);
}

async function copyDir(ctx: OpContext, src: string, dest: string, base: string): Promise<void> {
  await mkdir(path.join(ctx.staging, dest), { recursive: true });
  const names = (await readdir(path.join(ctx.root, src))).sort();
  for (const name of names) {
    ctx.opts.signal?.throwIfAborted();
    const child = src === '.' ? name : `${src}/${name}`;
    if (excluded(child, base, ctx.exclude)) continue;
    const abs = path.join(ctx.root, child);
    const info = await lstat(abs);
    if (info.isSymbolicLink()) continue;
    const target = join(dest, name);
    if (info.isDirectory()) await copyDir(ctx, child, target, base);
    else if (info.isFile()) await copyRegular(abs, path.join(ctx.staging, target), info.mode);
  }
}

async function extract(ctx: OpContext, src: string, dest: string): Promise<void> {
  const target = path.join(ctx.staging, dest);
  await mkdir(target, { recursive: true });
  try {
    await untarSafe({
      source: createReadStream(path.join(ctx.root, src)),
      dest: target,
      maxBytes: ctx.opts.maxExtractBytes,
    });
  } catch (err) {
    const detail = err instanceof UnsafeArchiveError ? err.message : `archive is malformed: ${(err as Error).message}`;
    throw new CopyError(`failed to extract tarball '${src}' to '${dest}': ${detail}`, { cause: err });
  }
}

/** Go's `fs.Glob`: each segment matched with path.Match (`**` is `*`), directories read in sorted order. */
export async function goGlob(root: string, pattern: string): Promise<string[]> {
  validateGoPattern(pattern.replaceAll('/', ''));
  const glob = async (pat: string): Promise<string[]> => {
    if (!containsGlobChars(pat)) return (await lstatOrUndefined(path.join(root, pat))) ? [pat] : [];
    const slash = pat.lastIndexOf('/');
    const dirPattern = slash < 0 ? '.' : pat.slice(0, slash).replace(/\/+$/, '') || '.';
    const file = pat.slice(slash + 1);
    const dirs = containsGlobChars(dirPattern) ? await glob(dirPattern) : [dirPattern];
    const out: string[] = [];
    for (const dir of dirs) {
      const info = await lstatOrUndefined(path.join(root, dir));
      if (!info?.isDirectory()) continue;
      for (const name of (await readdir(path.join(root, dir))).sort()) {
        if (goMatch(file, name)) out.push(dir === '.' ? name : `${dir}/${name}`);
      }
    }
    return out;
  };
  return glob(pattern);
}

/** doublestar's `Glob`: every file and directory of the tree whose path matches (symlinks left out). */
export async function doublestarGlob(root: string, pattern: string): Promise<string[]> {
  validateDoublestarPattern(pattern);
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const name of (await readdir(path.join(root, rel))).sort()) {
      const child = rel === '.' ? name : `${rel}/${name}`;
      const info = await lstat(path.join(root, child));
      if (info.isSymbolicLink()) continue;
      if (doublestarMatch(pattern, child)) out.push(child);
      if (info.isDirectory()) await walk(child);
    }
  };
  await walk('.');
  return out;
}
