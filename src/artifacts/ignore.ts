// Flux-compatible exclusion rules for source archives: defaults, `.sourceignore` files, `spec.ignore`.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import ignore from 'ignore';
import type { Ignore } from 'ignore';

/** Name of the per-directory ignore file Flux reads (gitignore syntax). */
export const SOURCE_IGNORE_FILE = '.sourceignore';

/** Version-control files Flux always excludes, even when `spec.ignore` replaces the defaults. */
export const VCS_IGNORE_PATTERNS = ['.git/', '.gitignore', '.gitmodules', '.gitattributes'] as const;

/** Flux's default exclusions (binary/archive extensions, CI files, extras); dropped when `spec.ignore` is set. */
export const DEFAULT_IGNORE_PATTERNS = [
  '*.jpg',
  '*.jpeg',
  '*.gif',
  '*.png',
  '*.wmv',
  '*.flv',
  '*.tar.gz',
  '*.zip',
  '.github/',
  '.circleci/',
  '.travis.yml',
  '.gitlab-ci.yml',
  'appveyor.yml',
  '.drone.yml',
  'cloudbuild.yaml',
  'codeship-services.yml',
  'codeship-steps.yml',
  '**/.goreleaser.yml',
  '**/.sops.yaml',
  '**/.flux.yaml',
] as const;

/** Returns true when the path (relative to the archive root, `/`-separated) must be left out. */
export type IgnoreMatcher = (relPath: string, isDir: boolean) => boolean;

/** Options of `buildIgnoreMatcher`. */
export interface IgnoreMatcherOptions {
  /** Directory whose `.sourceignore` files are loaded (recursively, each scoped to its own directory). */
  root: string;
  /** `spec.ignore` (gitignore syntax); when it holds at least one pattern it replaces the defaults and is applied last. */
  specIgnore?: string;
}

/** One rule set, applying to paths under `base` (`''` = root, else `dir/`). */
interface Layer {
  base: string;
  rules: Ignore;
}

/**
 * Builds the matcher Flux applies when archiving a source: VCS files, then the default list (unless
 * `spec.ignore` has patterns), then every `.sourceignore` (root first, deeper ones later so they win),
 * then `spec.ignore`; the last rule that matches decides, so `!pattern` re-includes. Directories that
 * are ignored are not searched for `.sourceignore`; `.git` never is; symlinks are not followed.
 * Rejects only when the tree cannot be read.
 */
export async function buildIgnoreMatcher(opts: IgnoreMatcherOptions): Promise<IgnoreMatcher> {
  const spec = opts.specIgnore !== undefined && hasPatterns(opts.specIgnore) ? opts.specIgnore : undefined;
  // Flux keeps the VCS patterns even when spec.ignore replaces the rest (sourceignore.VCSPatterns).
  const head: Layer[] = [{ base: '', rules: ignore().add([...VCS_IGNORE_PATTERNS]) }];
  if (spec === undefined) head.push({ base: '', rules: ignore().add([...DEFAULT_IGNORE_PATTERNS]) });
  const tail: Layer[] = spec === undefined ? [] : [{ base: '', rules: ignore().add(spec) }];

  const found: Layer[] = [];
  await collectSourceIgnores(opts.root, '', [], { head, tail, found });
  return matcherOf([...head, ...found, ...tail]);
}

/**
 * A matcher of gitignore rule texts applied in order, with no default or VCS rules, evaluated as go-git's
 * gitignore matcher (which source-controller uses for a Bucket's object keys: its `.sourceignore` object,
 * then `spec.ignore`): every pattern is tried against the path and its parent directories, and the last
 * pattern that matches decides, so `!dir/` re-includes files under a directory an earlier rule excluded.
 */
export function rulesMatcher(texts: readonly string[]): IgnoreMatcher {
  const rules: { negate: boolean; rule: Ignore }[] = [];
  for (const text of texts) {
    for (const raw of text.split(/\r?\n/)) {
      if (raw.trim() === '' || raw.startsWith('#')) continue;
      const negate = raw.startsWith('!');
      rules.push({ negate, rule: ignore().add(negate ? raw.slice(1) : raw) });
    }
  }
  return (relPath, isDir) => {
    const clean = relPath.replace(/\/+$/, '');
    if (clean === '' || clean === '.') return false;
    const probe = isDir ? `${clean}/` : clean;
    let ignored = false;
    // node-ignore's ignores() also matches a path under an ignored parent directory, as go-git does.
    for (const { negate, rule } of rules) if (rule.ignores(probe)) ignored = !negate;
    return ignored;
  };
}

/** Evaluates layers in order; a later layer's match (ignore or `!` re-include) overrides earlier ones. */
function evaluate(layers: readonly Layer[], relPath: string, isDir: boolean): boolean {
  let ignored = false;
  for (const layer of layers) {
    if (layer.base !== '' && !relPath.startsWith(layer.base)) continue;
    const local = relPath.slice(layer.base.length);
    if (local === '') continue;
    // The ignore package matches dir-only patterns (`foo/`) only against paths with a trailing slash.
    const result = layer.rules.test(isDir ? `${local}/` : local);
    if (result.ignored) ignored = true;
    else if (result.unignored) ignored = false;
  }
  return ignored;
}

function matcherOf(layers: readonly Layer[]): IgnoreMatcher {
  return (relPath, isDir) => {
    const clean = relPath.replace(/\/+$/, '');
    if (clean === '' || clean === '.') return false;
    return evaluate(layers, clean, isDir);
  };
}

/** Depth-first, sorted walk that loads `.sourceignore` files; `scoped` holds the ancestors' layers. */
async function collectSourceIgnores(
  absDir: string,
  relDir: string,
  scoped: readonly Layer[],
  acc: { head: readonly Layer[]; tail: readonly Layer[]; found: Layer[] },
): Promise<void> {
  const entries = await readdir(absDir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  let layers = scoped;
  if (entries.some((e) => e.name === SOURCE_IGNORE_FILE && e.isFile())) {
    const text = await readFile(path.join(absDir, SOURCE_IGNORE_FILE), 'utf8');
    const layer: Layer = { base: relDir === '' ? '' : `${relDir}/`, rules: ignore().add(text) };
    acc.found.push(layer);
    layers = [...scoped, layer];
  }
  const current = [...acc.head, ...layers, ...acc.tail];
  for (const entry of entries) {
    if (!entry.isDirectory() || entry.name === '.git') continue;
    const rel = relDir === '' ? entry.name : `${relDir}/${entry.name}`;
    // A .sourceignore inside an ignored directory can never matter: the archiver skips the directory.
    if (evaluate(current, rel, true)) continue;
    await collectSourceIgnores(path.join(absDir, entry.name), rel, layers, acc);
  }
}

function hasPatterns(text: string): boolean {
  return text.split(/\r?\n/).some((line) => line.trim() !== '' && !line.startsWith('#'));
}
