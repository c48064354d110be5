// Security pre-checks over every kustomization reachable from the build entry, run before kustomize itself.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { BuildError, ManifestError } from './errors.ts';
import { fieldValues, findKustomizationFile, readKustomization } from './kustomization-file.ts';
import type { ScanLimits } from './kustomization-file.ts';
import { relativeTo, resolveInside } from './safe-path.ts';
import { DEFAULT_MAX_YAML_BYTES, parseYamlDocuments } from './yaml-documents.ts';
import type { YamlLimits } from './yaml-documents.ts';
import { isRecord } from '../util/is-record.ts';

/** Options of {@link checkKustomizationTree}. */
export type GuardOptions = ScanLimits & {
  /** Real path of the artifact root: nothing outside it may be referenced. */
  root: string;
  /** Directory holding the entry kustomization. */
  entryDir: string;
  /** Let remote (git/http) bases through unchecked; default false. */
  allowRemoteBases?: boolean;
  /** Cap on kustomization directories visited; default 1,000. */
  maxKustomizations?: number;
  /**
   * Leave the full parse of YAML files that cannot hold an alias to {@link checkDeferredYaml}, for when kustomize
   * fails and its message should give way to ours; default false (every file is parsed here).
   */
  deferSyntaxChecks?: boolean;
};

// "plugin" directories come from generators/transformers/validators: their resources are plugin configs.
type Visit = { dir: string; mode: 'kustomization' | 'plugin' };

const remotePatterns = [/:\/\//, /^git@/, /^git::/, /^gh:/, /(^|\/)github\.com\//, /\?ref=/, /^[\w.-]+@[\w.-]+:/];
const functionAnnotations = ['config.kubernetes.io/function', 'config.k8s.io/function'];
const helmFields = ['helmCharts', 'helmChartInflationGenerator', 'helmGlobals'];

/** True for references kustomize would fetch over the network (git URLs, `github.com/…`, `?ref=`, http(s) files). */
export function isRemoteReference(ref: string): boolean {
  return remotePatterns.some((re) => re.test(ref));
}

/** What the guard found besides refusals. */
export type GuardReport = {
  /** A reference kustomize may fetch over the network was let through (`allowRemoteBases`): the output can change without the source changing. */
  remoteReferences: boolean;
  /** Real paths of every local file and directory referenced, the entry directory's own kustomization file included. */
  localPaths: Set<string>;
  /** YAML files still to parse (only with `deferSyntaxChecks`): none holds an alias, so none can expand into a bomb. */
  deferred: DeferredYaml[];
};

/** A size-checked YAML file whose parse was left for later (the real path: read again only if it is parsed). */
export type DeferredYaml = { file: string; limits: YamlLimits };

/**
 * Walks every kustomization reachable from `entryDir` (resources, bases, components, generator/transformer/validator
 * directories) and refuses, with a BuildError naming the file and entry: remote references unless allowed (no
 * network is touched), local references that are missing or resolve outside `root` (through `..`, absolute paths or
 * symlinks), Helm chart inflation, and plugin configs that are not kustomize builtins (exec, Go or KRM functions).
 */
export async function checkKustomizationTree(opts: GuardOptions): Promise<GuardReport> {
  const { root } = opts;
  const report: GuardReport = { remoteReferences: false, localPaths: new Set(), deferred: [] };
  const maxVisits = opts.maxKustomizations ?? 1_000;
  const queue: Visit[] = [{ dir: opts.entryDir, mode: 'kustomization' }];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const visit = queue.shift() as Visit;
    const key = `${visit.mode}:${visit.dir}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (seen.size > maxVisits)
      throw new BuildError({ message: `more than ${maxVisits} kustomizations reachable from the path` });
    const name = await findKustomizationFile(visit.dir);
    if (!name) continue; // kustomize reports the missing file itself
    const file = await resolveInside(root, visit.dir, name);
    const source = relativeTo(root, path.join(visit.dir, name));
    if (!file.inside) throw new BuildError({ message: `${source} is a symlink that points outside the source` });
    report.localPaths.add(file.real);
    const kustomization = await readKustomization(file.real, source, opts);
    const ctx = { ...opts, root, dir: visit.dir, source, queue, report };
    await checkFields(kustomization, visit.mode, ctx);
  }
  return report;
}

type Ctx = GuardOptions & { dir: string; source: string; queue: Visit[]; report: GuardReport };

/** Lets a reference kustomize may fetch through when remote bases are allowed, noting it; false when refused. */
function allowRemote(ctx: Ctx): boolean {
  if (ctx.allowRemoteBases) ctx.report.remoteReferences = true;
  return ctx.allowRemoteBases ?? false;
}

async function checkFields(k: Record<string, unknown>, mode: Visit['mode'], ctx: Ctx): Promise<void> {
  for (const field of helmFields) {
    if (fieldValues(k, field).some(nonEmpty)) {
      throw new BuildError({
        message: `kustomize plugins are not allowed: '${field}' in ${ctx.source} (Helm charts are rendered by a HelmRelease)`,
      });
    }
  }
  for (const field of ['resources', 'bases', 'components']) {
    for (const ref of strs(k, field)) {
      await checkReference(ref, field, ctx, mode, mode === 'plugin' && field === 'resources');
    }
  }
  for (const field of ['generators', 'transformers', 'validators']) {
    for (const entry of strs(k, field)) {
      if (entry.includes('\n') || /^\s*apiVersion\s*:/.test(entry))
        checkPluginConfigs(entry, `inline ${field} entry`, ctx);
      else await checkReference(entry, field, ctx, 'plugin', true);
    }
  }
  // [reference, field, is YAML that kustomize will decode]; generator inputs are arbitrary data, so not parsed.
  const files: [string, string, boolean][] = [];
  for (const ref of strs(k, 'crds')) files.push([ref, 'crds', true]);
  for (const ref of strs(k, 'configurations')) files.push([ref, 'configurations', false]);
  for (const openapi of items(k, 'openapi')) {
    if (isRecord(openapi)) for (const ref of strs(openapi, 'path')) files.push([ref, 'openapi.path', false]);
  }
  for (const ref of strs(k, 'patchesStrategicMerge')) {
    if (!ref.includes('\n')) files.push([ref, 'patchesStrategicMerge', true]);
  }
  for (const f of ['patches', 'patchesJson6902', 'replacements']) {
    for (const item of items(k, f)) {
      if (isRecord(item)) for (const ref of strs(item, 'path')) files.push([ref, `${f}.path`, true]);
    }
  }
  for (const f of ['configMapGenerator', 'secretGenerator']) {
    for (const gen of items(k, f)) {
      if (!isRecord(gen)) continue;
      for (const entry of strs(gen, 'files')) files.push([entry.slice(entry.indexOf('=') + 1), `${f}.files`, false]);
      for (const entry of strs(gen, 'envs')) files.push([entry, `${f}.envs`, false]);
      for (const entry of strs(gen, 'env')) files.push([entry, `${f}.env`, false]);
    }
  }
  for (const [ref, field, yaml] of files) await checkLocalFile(ref, field, ctx, yaml);
}

async function checkReference(
  ref: string,
  field: string,
  ctx: Ctx,
  mode: Visit['mode'],
  pluginFiles: boolean,
): Promise<void> {
  const resolved = await resolveInside(ctx.root, ctx.dir, ref);
  if (!resolved.exists && isRemoteReference(ref)) {
    if (allowRemote(ctx)) return;
    throw new BuildError({
      message: `remote bases are not allowed ('${ref}' in ${field} of ${ctx.source}); vendor it into the source`,
    });
  }
  if (!resolved.inside) throw outside(ref, field, ctx);
  if (!resolved.exists) {
    // kustomize would fall back to fetching an unknown reference as a git repository: stop before it can.
    if (allowRemote(ctx)) return;
    throw new BuildError({ message: `'${ref}' in ${field} of ${ctx.source} does not exist in the source` });
  }
  ctx.report.localPaths.add(resolved.real);
  const info = await stat(resolved.real);
  if (info.isDirectory()) ctx.queue.push({ dir: resolved.real, mode });
  else if (pluginFiles) checkPluginConfigs(await readFile(resolved.real), relativeTo(ctx.root, resolved.real), ctx);
  else await checkYamlFile(resolved.real, ctx);
}

async function checkLocalFile(ref: string, field: string, ctx: Ctx, yaml: boolean): Promise<void> {
  if (isRemoteReference(ref) && !allowRemote(ctx)) {
    throw new BuildError({ message: `remote files are not allowed ('${ref}' in ${field} of ${ctx.source})` });
  }
  const resolved = await resolveInside(ctx.root, ctx.dir, ref);
  if (!resolved.inside) throw outside(ref, field, ctx);
  if (resolved.exists) ctx.report.localPaths.add(resolved.real);
  if (yaml && resolved.exists && (await stat(resolved.real)).isFile()) await checkYamlFile(resolved.real, ctx);
}

// kustomize's YAML reader expands aliases without a cap (a 10^6-expansion file kept it busy for over a minute in
// testing), so every YAML file it will decode first passes our limits: aliases, depth, size, encoding.
async function checkYamlFile(file: string, ctx: Ctx): Promise<void> {
  const source = relativeTo(ctx.root, file);
  const maxBytes = ctx.maxBytes ?? DEFAULT_MAX_YAML_BYTES;
  const size = (await stat(file)).size;
  if (size > maxBytes)
    throw new ManifestError({ source, message: `is ${size} bytes, larger than the ${maxBytes}-byte limit` });
  const text = await readFile(file);
  const limits: YamlLimits = {
    maxBytes: ctx.maxBytes,
    maxAliasCount: ctx.maxAliasCount,
    maxDepth: ctx.maxDepth,
    source,
  };
  // An alias is written `*name`: without a `*` the file cannot expand one, and kustomize's own parser caps nesting,
  // so kustomize may read it unparsed; the parse (syntax, depth, encoding) is then only needed to explain a failure.
  if (ctx.deferSyntaxChecks && !text.includes(ASTERISK)) ctx.report.deferred.push({ file, limits });
  else parseYamlDocuments(text, limits);
}

const ASTERISK = 0x2a;

/** Parses the files {@link checkKustomizationTree} deferred; throws the ManifestError it would have thrown. */
export async function checkDeferredYaml(deferred: readonly DeferredYaml[]): Promise<void> {
  for (const { file, limits } of deferred) parseYamlDocuments(await readFile(file), limits);
}

function checkPluginConfigs(text: string | Buffer, source: string, ctx: Ctx): void {
  for (const { value } of parseYamlDocuments(text, { ...ctx, source })) {
    if (!isRecord(value)) continue;
    const kind = typeof value['kind'] === 'string' ? value['kind'] : '?';
    const metadata = isRecord(value['metadata']) ? value['metadata'] : {};
    const annotations = isRecord(metadata['annotations']) ? metadata['annotations'] : {};
    const fn = functionAnnotations.find((a) => a in annotations);
    if (kind === 'HelmChartInflationGenerator') {
      throw new BuildError({ message: `kustomize plugins are not allowed: HelmChartInflationGenerator in ${source}` });
    }
    if (fn)
      throw new BuildError({
        message: `kustomize plugins are not allowed: ${kind} in ${source} is a KRM function (${fn})`,
      });
    if (value['apiVersion'] !== 'builtin') {
      throw new BuildError({
        message: `kustomize plugins are not allowed: ${kind} (apiVersion ${String(value['apiVersion'])}) in ${source} is not a builtin plugin`,
      });
    }
  }
}

function outside(ref: string, field: string, ctx: Ctx): BuildError {
  return new BuildError({ message: `'${ref}' in ${field} of ${ctx.source} is outside the source` });
}

function nonEmpty(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (isRecord(value)) return Object.keys(value).length > 0;
  return true;
}

// Values of `field` and its case variants (see foldKey), flattened: lists contribute their items.
function items(obj: Record<string, unknown>, field: string): unknown[] {
  return fieldValues(obj, field).flatMap((value) => (Array.isArray(value) ? value : [value]));
}

function strs(obj: Record<string, unknown>, field: string): string[] {
  return items(obj, field).filter((v): v is string => typeof v === 'string');
}
