// The Kustomization build step: an extracted artifact directory in, validated Kubernetes objects out.
import { sha256Digest } from '../artifacts/digest.ts';
import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { setCommonMetadata } from './common-metadata.ts';
import { BuildError, KustomizationPathError } from './errors.ts';
import { checkDeferredYaml, checkKustomizationTree, type DeferredYaml } from './kustomization-guard.ts';
import { findKustomizationFile, readKustomization, scanManifests, writeKustomization } from './kustomization-file.ts';
import { applySpecOverlays, hasOverlays } from './kustomization-overlays.ts';
import type { KustomizeSpec } from './kustomization-overlays.ts';
import { runKustomizeBuild } from './kustomize-exec.ts';
import { parseManifests, serializeManifests } from './manifests.ts';
import { plainBuild } from './plain-build.ts';
import { relativeTo, resolveInside } from './safe-path.ts';
import type { KubeObject } from './types.ts';

export type { KustomizeSpec, PatchTarget } from './kustomization-overlays.ts';

/** Options of {@link buildKustomization}. */
export type BuildKustomizationOptions = {
  /** Extracted artifact directory: a private copy (files may be written) and the security boundary. */
  root: string;
  /** `spec.path`, relative to the root (a leading `/` is also read as relative, like Flux); default `./`. */
  path?: string;
  /** Path of the kustomize binary. */
  kustomizeBin: string;
  /** Overlay fields of the Kustomization spec. */
  spec?: KustomizeSpec;
  /** Allow git/http bases (Flux's `--no-remote-bases=false`); default false. */
  allowRemoteBases?: boolean;
  /** kustomize run time limit; default 5 minutes. */
  timeoutMs?: number;
  /** Cancels the build. */
  signal?: AbortSignal;
  /** Largest kustomize output accepted, also the parse byte cap; default 64 MiB. */
  maxOutputBytes?: number;
  /** Cap on manifest files read when generating a kustomization; default 10,000. */
  maxFiles?: number;
  /** PATH given to kustomize; default `/usr/local/bin:/usr/bin:/bin`. */
  pathEnv?: string;
  /**
   * `root` is shared and must not be written: a build that would write its kustomization.yaml (none in the
   * directory, or spec overlays) throws {@link NeedsPrivateCopy} before touching anything.
   */
  readOnly?: boolean;
};

/**
 * A read-only build that has to write a kustomization.yaml: run it again on a private copy. `subtree` (relative
 * to the root) is set when everything the build reads lies under that directory, so copying it is enough.
 */
export class NeedsPrivateCopy extends Error {
  constructor(readonly subtree: string | undefined) {
    super('the build writes a kustomization.yaml: it needs a private copy of the source');
  }
}

/**
 * The build output: objects in kustomize order, their YAML stream (kustomize's output, or serializeManifests' when
 * kustomize did not run or commonMetadata changed the objects), `sha256:<hex>` of that stream (of the objects' JSON
 * when kustomize did not run), and whether a remote reference took part (then the same inputs may build differently
 * next time).
 */
export type BuildResult = { objects: KubeObject[]; yaml: string; digest: string; remoteReferences: boolean };

/**
 * Builds a Kustomization like kustomize-controller: confines `path` to `root`, generates a kustomization.yaml when
 * the directory has none, writes the spec overlays into it, refuses remote bases, out-of-root references, Helm and
 * plugins, runs the real `kustomize build` (unless the kustomization only lists manifest files: plain-build.ts), parses
 * the output (limits, duplicate ids) and applies commonMetadata.
 * Throws KustomizationPathError when the source directory or the path is missing, BuildError for everything else.
 */
export async function buildKustomization(opts: BuildKustomizationOptions): Promise<BuildResult> {
  if (opts.signal?.aborted)
    throw new BuildError({ message: 'kustomize build was cancelled', cause: opts.signal.reason });
  const spec = opts.spec ?? {};
  const limits = { maxBytes: opts.maxOutputBytes, maxFiles: opts.maxFiles };
  const root = await realRoot(opts.root);
  const dir = await resolveBuildDir(root, opts.path ?? './');

  if (opts.readOnly && (hasOverlays(spec) || !(await findKustomizationFile(dir))))
    throw new NeedsPrivateCopy(await selfContained(root, dir, spec, limits, opts.allowRemoteBases ?? false));
  if (!opts.readOnly) await prepareKustomization(root, dir, spec, limits);
  const guard = await checkKustomizationTree({
    ...limits,
    root,
    entryDir: dir,
    allowRemoteBases: opts.allowRemoteBases ?? false,
    deferSyntaxChecks: true,
  });
  // A kustomization that only lists manifest files needs no kustomize run (plain-build.ts); anything more does.
  const plain = guard.remoteReferences ? undefined : await plainBuild({ root, dir, maxBytes: opts.maxOutputBytes });
  if (plain) {
    const objects = setCommonMetadata(plain, spec.commonMetadata);
    // The digest is of the objects' JSON, and their YAML is only written when asked for (serialising a thousand
    // objects costs a third of reading them).
    return {
      objects,
      get yaml() {
        return serializeManifests(objects);
      },
      digest: sha256Digest(Buffer.from(JSON.stringify(objects))),
      remoteReferences: false,
    };
  }
  const output = await buildThenExplain(opts, root, dir, guard.deferred);
  const parsed = parseManifests(output, {
    source: `kustomize build output of '${relativeTo(root, dir)}'`,
    maxBytes: opts.maxOutputBytes,
  });
  const objects = setCommonMetadata(parsed, spec.commonMetadata);
  // kustomize's own output is the build's YAML, unless commonMetadata changed the objects after it: re-serialising
  // a thousand objects only to digest them costs more than the parse.
  const yaml = hasCommonMetadata(spec) ? serializeManifests(objects) : output.toString('utf8');
  return { objects, yaml, digest: sha256Digest(Buffer.from(yaml)), remoteReferences: guard.remoteReferences };
}

/**
 * Runs kustomize. When it fails, the YAML files the guard deferred are parsed first: a file our parser refuses is
 * reported our way (file, document, line, never the text), since kustomize's own message may quote the input. When
 * it succeeds they need no parse: none can hold an alias, and the output is parsed under the same limits.
 */
async function buildThenExplain(
  opts: BuildKustomizationOptions,
  root: string,
  dir: string,
  deferred: readonly DeferredYaml[],
): Promise<Buffer> {
  try {
    return await runKustomizeBuild({
      bin: opts.kustomizeBin,
      dir,
      roots: [root, path.resolve(opts.root)],
      timeoutMs: opts.timeoutMs,
      signal: opts.signal,
      maxOutputBytes: opts.maxOutputBytes,
      pathEnv: opts.pathEnv,
    });
  } catch (err) {
    if (!opts.signal?.aborted) await checkDeferredYaml(deferred);
    throw err;
  }
}

const hasCommonMetadata = (spec: KustomizeSpec): boolean =>
  Object.keys(spec.commonMetadata?.labels ?? {}).length + Object.keys(spec.commonMetadata?.annotations ?? {}).length >
  0;

/**
 * `dir` relative to `root` when the build reads nothing outside it: every local reference the guard finds is
 * under `dir`, and the spec adds no components (which Flux resolves relative to `dir`, often `../`). Undefined
 * otherwise, and when the guard refuses the tree (the private build reports that).
 */
async function selfContained(
  root: string,
  dir: string,
  spec: KustomizeSpec,
  limits: { maxBytes?: number | undefined; maxFiles?: number | undefined },
  allowRemoteBases: boolean,
): Promise<string | undefined> {
  if ((spec.components ?? []).length > 0) return undefined;
  try {
    // Only the paths are wanted here: the private build checks every file.
    const guard = await checkKustomizationTree({
      ...limits,
      root,
      entryDir: dir,
      allowRemoteBases,
      deferSyntaxChecks: true,
    });
    const prefix = dir + path.sep;
    for (const p of guard.localPaths) if (p !== dir && !p.startsWith(prefix)) return undefined;
    return path.relative(root, dir) || '.';
  } catch {
    return undefined;
  }
}

async function realRoot(root: string): Promise<string> {
  try {
    return await realpath(root);
  } catch (err) {
    throw new KustomizationPathError({ message: `source directory '${root}' cannot be read`, cause: err });
  }
}

async function resolveBuildDir(root: string, specPath: string): Promise<string> {
  // Flux joins spec.path onto the artifact root, so "/deploy" means "<root>/deploy".
  const rel = specPath.replace(/^[/\\]+/, '') || '.';
  const resolved = await resolveInside(root, root, rel);
  if (!resolved.inside) throw new BuildError({ message: `path '${specPath}' is outside the source` });
  if (!resolved.exists) {
    throw new KustomizationPathError({ message: `kustomization path not found: '${specPath}'` });
  }
  if (!(await stat(resolved.real)).isDirectory()) {
    throw new KustomizationPathError({ message: `kustomization path '${specPath}' is not a directory` });
  }
  return resolved.real;
}

async function prepareKustomization(
  root: string,
  dir: string,
  spec: KustomizeSpec,
  limits: { maxBytes?: number | undefined; maxFiles?: number | undefined },
): Promise<void> {
  const existing = await findKustomizationFile(dir);
  if (existing && !hasOverlays(spec)) return;
  const name = existing ?? 'kustomization.yaml';
  const source = relativeTo(root, path.join(dir, name));
  let text: string;
  if (existing) {
    const file = await resolveInside(root, dir, existing);
    if (!file.inside) throw new BuildError({ message: `${source} is a symlink that points outside the source` });
    await readKustomization(file.real, source, limits); // enforces the YAML limits before the in-place edit
    text = await readFile(file.real, 'utf8');
  } else {
    const resources = await scanManifests(root, dir, limits);
    const generated = { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources };
    text = stringify(generated, { version: '1.1', lineWidth: 0 });
  }
  if (hasOverlays(spec)) text = await applySpecOverlays(text, source, spec, root, dir);
  await writeKustomization(dir, name, text);
}
