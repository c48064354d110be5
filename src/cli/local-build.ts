// `build` and `diff`: a local directory built exactly as the manager builds an artifact (same render library).
import { cp, lstat, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApiVersions, Kinds } from '../api/constants.ts';
import { kustomizationSourceRef, type Kustomization } from '../api/kustomization.ts';
import { buildIgnoreMatcher } from '../artifacts/ignore.ts';
import type { KubeClient } from '../kube/client.ts';
import type { KubeObject } from '../kube/types.ts';
import { substituteObjects } from '../render/envsubst.ts';
import { buildKustomization } from '../render/kustomize-build.ts';
import { kustomizeSpecOf, postBuildVariables } from '../render/kustomization-inputs.ts';
import { readConfigData } from '../kube/config-data.ts';
import { parseManifests } from '../render/manifests.ts';
import { CliError, describeError } from './errors.ts';

/**
 * The Kustomization to build: the document named `name` in `file` (namespace defaulting to `namespace`)
 * or the object in the cluster. Throws CliError NotFound / InvalidKustomization naming what was expected.
 */
export async function loadKustomization(opts: {
  client: KubeClient;
  namespace: string;
  name: string;
  file?: string | undefined;
}): Promise<Kustomization> {
  if (!opts.file) {
    const ks = await opts.client.get<Kustomization>({
      apiVersion: ApiVersions.kustomize,
      kind: Kinds.Kustomization,
      namespace: opts.namespace,
      name: opts.name,
    });
    if (!ks)
      throw new CliError({
        reason: 'NotFound',
        message: `Kustomization object '${opts.name}' not found in "${opts.namespace}" namespace`,
      });
    return ks;
  }
  let docs: KubeObject[];
  try {
    docs = parseManifests(await readFile(opts.file), { source: opts.file });
  } catch (err) {
    throw new CliError({
      reason: 'InvalidKustomization',
      message: `invalid kustomization file "${opts.file}": ${describeError(err)}`,
      cause: err,
    });
  }
  const found = docs.filter(
    (d) => d.kind === Kinds.Kustomization && d.apiVersion.startsWith('kustomize.toolkit.fluxcd.io/'),
  );
  const ks = found.find((d) => d.metadata.name === opts.name) as Kustomization | undefined;
  if (!ks || typeof ks.spec !== 'object' || ks.spec === null) {
    const names = found.map((d) => d.metadata.name).join(', ') || 'none';
    throw new CliError({
      reason: 'InvalidKustomization',
      message: `"${opts.file}" has no Flux Kustomization named '${opts.name}' with a spec (found: ${names})`,
    });
  }
  return { ...ks, metadata: { ...ks.metadata, namespace: ks.metadata.namespace ?? opts.namespace } };
}

/** The nearest ancestor of `dir` (itself included) holding `.git`: the checkout the source artifact comes from. */
export async function findCheckoutRoot(dir: string): Promise<string | undefined> {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if (
      await stat(path.join(d, '.git')).then(
        () => true,
        () => false,
      )
    )
      return d;
    if (path.dirname(d) === d) return undefined;
  }
}

/** Options of {@link buildLocal}. */
export interface LocalBuildOptions {
  ks: Kustomization;
  client: KubeClient;
  /** `--path`: the local directory matching `spec.path`. */
  dir: string;
  /** The source root (the artifact's top); default: the Git checkout holding `dir`, else `dir`. */
  root?: string | undefined;
  kustomizeBin: string;
  allowRemoteBases?: boolean;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Told when the source's `spec.ignore` could not be read (the default ignore rules are then used). */
  warn?: (message: string) => void;
}

/**
 * Builds `dir` as the manager would build the same files from a source artifact: copies the source root
 * minus what the source would leave out (`.sourceignore`, default rules, the GitRepository's `spec.ignore`)
 * into a private directory, runs the render library with the Kustomization's overlays, then post-build
 * substitution. The user's files are never modified. Throws CliError InvalidPath or the render errors.
 */
export async function buildLocal(opts: LocalBuildOptions): Promise<KubeObject[]> {
  const dir = path.resolve(opts.dir);
  if (
    !(await stat(dir).then(
      (s) => s.isDirectory(),
      () => false,
    ))
  ) {
    throw new CliError({ reason: 'InvalidPath', message: `invalid resource path "${opts.dir}": not a directory` });
  }
  const root = path.resolve(opts.root ?? (await findCheckoutRoot(dir)) ?? dir);
  const rel = path.relative(root, dir);
  if (rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new CliError({
      reason: 'InvalidPath',
      message: `--path "${opts.dir}" is outside the source root "${root}" (--root)`,
    });
  }
  const ignored = await buildIgnoreMatcher({ root, ...(await sourceIgnore(opts)) });
  const work = await mkdtemp(path.join(tmpdir(), 'driftless-build-'));
  try {
    const copy = path.join(work, 'src');
    await cp(root, copy, {
      recursive: true,
      verbatimSymlinks: true,
      filter: async (src) => {
        const relPath = path.relative(root, src).split(path.sep).join('/');
        return !ignored(relPath, (await lstat(src)).isDirectory());
      },
    });
    const built = await buildKustomization({
      root: copy,
      path: rel || './',
      kustomizeBin: opts.kustomizeBin,
      spec: kustomizeSpecOf(opts.ks),
      allowRemoteBases: opts.allowRemoteBases ?? false,
      timeoutMs: opts.timeoutMs,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    const vars = await postBuildVariables(opts.ks, (kind, ns, name) => readConfigData(opts.client, kind, ns, name));
    return vars ? substituteObjects(built.objects, vars, { strict: true }) : built.objects;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

// The artifact the manager builds leaves out what the GitRepository's spec.ignore says; read it when we can.
async function sourceIgnore(opts: LocalBuildOptions): Promise<{ specIgnore?: string }> {
  const ref = kustomizationSourceRef(opts.ks);
  if (ref.kind !== Kinds.GitRepository) return {};
  try {
    const src = await opts.client.get<KubeObject & { spec?: { ignore?: string } }>({
      apiVersion: ref.apiVersion,
      kind: ref.kind,
      namespace: ref.namespace,
      name: ref.name,
    });
    return src?.spec?.ignore ? { specIgnore: src.spec.ignore } : {};
  } catch (err) {
    opts.warn?.(
      `could not read ${ref.kind} ${ref.namespace}/${ref.name} for its spec.ignore (using the default ignore rules): ${describeError(err)}`,
    );
    return {};
  }
}

/** Flux's mask for SOPS-encrypted Secret values, which only the manager (with the keys) can decrypt. */
export const SopsMask = '**SOPS**';

/**
 * Secrets still SOPS-encrypted (a `sops` field with `mac: ENC[…]`) with every value replaced by `**SOPS**`
 * (base64-encoded in `data`) and the `sops` field removed, as `flux build` prints them; other objects unchanged.
 */
export function maskSopsSecrets(objects: readonly KubeObject[]): KubeObject[] {
  const encoded = Buffer.from(SopsMask).toString('base64');
  return objects.map((obj) => {
    const sops = obj['sops'] as { mac?: unknown } | undefined;
    if (obj.kind !== 'Secret' || typeof sops?.mac !== 'string' || !sops.mac.startsWith('ENC[')) return obj;
    const { sops: _removed, ...rest } = obj;
    const mask = (map: unknown, value: string): Record<string, string> | undefined =>
      map && typeof map === 'object' ? Object.fromEntries(Object.keys(map).map((k) => [k, value])) : undefined;
    const data = mask(rest['data'], encoded);
    const stringData = mask(rest['stringData'], SopsMask);
    return { ...rest, ...(data ? { data } : {}), ...(stringData ? { stringData } : {}) } as KubeObject;
  });
}
