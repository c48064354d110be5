import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Reasons } from '../../../api/constants.ts';
import type { Kustomization } from '../../../api/kustomization.ts';
import type { Artifact } from '../../../api/meta.ts';
import { linkTree, type ArtifactTreeCache } from '../../../artifacts/tree-cache.ts';
import type { KubeClient } from '../../../kube/client.ts';
import type { KubeObject } from '../../../kube/types.ts';
import { substituteObjects } from '../../../render/envsubst.ts';
import { KustomizationPathError } from '../../../render/errors.ts';
import { buildKustomization, NeedsPrivateCopy } from '../../../render/kustomize-build.ts';
import type { BuildKustomizationOptions } from '../../../render/kustomize-build.ts';
import { decryptGeneratorSources, decryptSecrets } from '../../../render/sops-decrypt.ts';
import { sopsKeysFromSecretData } from '../../../render/sops-format.ts';
import type { SopsKeys } from '../../../render/sops-format.ts';
import { withSopsSession } from '../../../render/sops.ts';
import { buildCacheKey, type BuildCache, type CachedBuild } from '../../../render/build-cache.ts';
import { kustomizeSpecOf, postBuildVariables } from '../../../render/kustomization-inputs.ts';
import { readConfigData } from '../../../kube/config-data.ts';
import { messageOf } from '../../shared.ts';
import { ReconcileFailure } from '../../../runtime/reconcile/failure.ts';

/**
 * The Ready reason of a failed build, as kustomize-controller reports it: ArtifactFailed when the source
 * directory or `spec.path` in it is missing (KustomizationPathError), BuildFailed for anything else.
 */
export function buildFailureReason(err: unknown): string {
  return err instanceof KustomizationPathError ? Reasons.ArtifactFailed : Reasons.BuildFailed;
}

export interface BuildResult {
  objects: KubeObject[];
  /** sha256 of the built multi-document YAML (for `status.history`). */
  digest: string;
}

/**
 * Fetches the artifact, verifies its digest, builds it with kustomize (confined to the artifact), decrypts SOPS
 * inputs when `spec.decryption` is set (secretGenerator sources before the build, Secrets after it, as Flux), and
 * runs post-build substitution. Any failure is `ArtifactFailed` or `BuildFailed` (decryption too, as in Flux);
 * nothing is applied.
 */
export async function buildManifests(opts: {
  ks: Kustomization;
  artifact: Artifact;
  artifacts: Pick<ArtifactTreeCache, 'materialize'> & Partial<Pick<ArtifactTreeCache, 'withSharedTree'>>;
  client: KubeClient;
  /**
   * Reads `spec.decryption.secretRef`; default `client`. kustomize-controller reads it with its own identity, not
   * the impersonated `spec.serviceAccountName`: the reconciler should pass its unimpersonated client here.
   */
  decryptionClient?: KubeClient;
  kustomizeBin: string;
  /** sops binary for `spec.decryption`; default `sops` next to kustomizeBin (provisioned into the same directory). */
  sopsBin?: string;
  allowRemoteBases: boolean;
  signal: AbortSignal;
  timeoutMs: number;
  /**
   * Builds by their inputs: a hit skips the artifact, the guard and kustomize (post-build substitution still runs).
   * Not used with `spec.decryption` (the keys live in a Secret) nor after a build that let a remote base through.
   */
  cache?: BuildCache;
}): Promise<BuildResult> {
  const { ks } = opts;
  const key = opts.cache && !ks.spec.decryption && opts.artifact.digest ? buildKey(opts) : undefined;
  const cached = key === undefined ? undefined : opts.cache?.get(key);
  let built: CachedBuild;
  if (cached) built = cached;
  else {
    const fresh = (await buildShared(opts)) ?? (await buildOnCopy(opts));
    if (key !== undefined && !fresh.remoteReferences) opts.cache?.set(key, fresh);
    built = fresh;
  }
  try {
    return { objects: await substitute(opts, built.objects), digest: built.digest };
  } catch (err) {
    throw buildFailure(err);
  }
}

type BuildOpts = Parameters<typeof buildManifests>[0];
type KustomizeBuild = Awaited<ReturnType<typeof buildKustomization>>;

const buildFailure = (err: unknown): ReconcileFailure =>
  new ReconcileFailure(buildFailureReason(err), messageOf(err), { cause: err });

/** Whatever stops the artifact from reaching the disk (download, digest, unpack) is the artifact's failure. */
async function fetchingArtifact<T>(opts: BuildOpts, fetch: () => Promise<T>): Promise<T> {
  try {
    return await fetch();
  } catch (err) {
    if (err instanceof ReconcileFailure) throw err;
    throw new ReconcileFailure(
      Reasons.ArtifactFailed,
      `failed to fetch artifact for revision '${opts.artifact.revision}': ${messageOf(err)}`,
      { cause: err },
    );
  }
}

/**
 * Most builds only read the source (the directory has its kustomization.yaml, no spec overlays, no SOPS): those
 * run on the cached tree itself, shared by every Kustomization of the revision. A build that writes its
 * kustomization.yaml but reads nothing outside its directory gets a copy of that directory alone. Recreating the
 * whole tree per Kustomization costs a file system operation per entry: seconds for a repository of a few
 * thousand files, for each of its Kustomizations. Undefined when the build needs a copy of the whole tree.
 */
async function buildShared(opts: BuildOpts): Promise<KustomizeBuild | undefined> {
  const withSharedTree = opts.artifacts.withSharedTree?.bind(opts.artifacts);
  if (opts.ks.spec.decryption || !withSharedTree) return undefined;
  const { url, digest } = opts.artifact;
  const shared = await fetchingArtifact(opts, () =>
    withSharedTree({ url, digest, signal: opts.signal, timeoutMs: opts.timeoutMs }, async (tree) => {
      try {
        return await buildKustomization({ ...buildOptions(opts, tree), readOnly: true });
      } catch (err) {
        if (!(err instanceof NeedsPrivateCopy)) throw buildFailure(err);
        if (err.subtree === undefined || err.subtree === '.') return undefined;
        return await buildOnSubtree(opts, tree, err.subtree);
      }
    }),
  );
  return shared?.value;
}

/** The build on a private copy of the whole tree: SOPS decryption and builds that read outside their directory. */
async function buildOnCopy(opts: BuildOpts): Promise<KustomizeBuild> {
  const { ks } = opts;
  const work = await mkdtemp(path.join(tmpdir(), 'driftless-ks-'));
  try {
    const root = path.join(work, 'src');
    const { url, digest } = opts.artifact;
    await fetchingArtifact(opts, () =>
      opts.artifacts.materialize({ url, digest, dest: root, signal: opts.signal, timeoutMs: opts.timeoutMs }),
    );
    try {
      const build = buildOptions(opts, root);
      const keys = ks.spec.decryption ? await decryptionKeys(ks, opts.decryptionClient ?? opts.client) : undefined;
      if (!keys) return await buildKustomization(build);
      return await withSopsSession(
        { sopsBin: opts.sopsBin ?? path.join(path.dirname(opts.kustomizeBin), 'sops'), keys, signal: opts.signal },
        async (session) => {
          await decryptGeneratorSources({ root, path: build.path ?? './', session });
          const out = await buildKustomization(build);
          return { ...out, objects: await decryptSecrets(out.objects, session) };
        },
      );
    } catch (err) {
      throw buildFailure(err);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Builds on a private copy of `subtree` alone (relative to `tree`), at the same place under a new root. */
async function buildOnSubtree(opts: BuildOpts, tree: string, subtree: string): Promise<KustomizeBuild> {
  const work = await mkdtemp(path.join(tmpdir(), 'driftless-ks-'));
  try {
    const root = path.join(work, 'src');
    await mkdir(path.join(root, subtree), { recursive: true });
    await linkTree(path.join(tree, subtree), path.join(root, subtree));
    try {
      return await buildKustomization(buildOptions(opts, root));
    } catch (err) {
      throw buildFailure(err);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The kustomize build of `ks` on the source tree at `root`. */
function buildOptions(
  opts: { ks: Kustomization; kustomizeBin: string; allowRemoteBases: boolean; signal: AbortSignal; timeoutMs: number },
  root: string,
): BuildKustomizationOptions {
  return {
    root,
    path: opts.ks.spec.path ?? './',
    kustomizeBin: opts.kustomizeBin,
    spec: kustomizeSpecOf(opts.ks),
    allowRemoteBases: opts.allowRemoteBases,
    signal: opts.signal,
    timeoutMs: opts.timeoutMs,
  };
}

/** Everything the kustomize build depends on (post-build substitution comes after it, on every reconcile). */
function buildKey(opts: {
  ks: Kustomization;
  artifact: Artifact;
  kustomizeBin: string;
  allowRemoteBases: boolean;
}): string {
  return buildCacheKey({
    digest: opts.artifact.digest,
    path: opts.ks.spec.path ?? './',
    spec: kustomizeSpecOf(opts.ks),
    kustomizeBin: opts.kustomizeBin,
    allowRemoteBases: opts.allowRemoteBases,
  });
}

/** Post-build substitution (`spec.postBuild`), reading the referenced ConfigMaps and Secrets now. */
async function substitute(
  opts: { ks: Kustomization; client: KubeClient },
  objects: KubeObject[],
): Promise<KubeObject[]> {
  const vars = await postBuildVariables(opts.ks, (kind, ns, name) => readConfigData(opts.client, kind, ns, name));
  return vars ? substituteObjects(objects, vars, { strict: true }) : objects;
}

/**
 * The private keys of `spec.decryption.secretRef` (none without a secretRef: sops then fails naming the file).
 * Throws a BuildFailed failure naming the Secret when it is missing.
 */
async function decryptionKeys(ks: Kustomization, client: KubeClient): Promise<SopsKeys> {
  const name = ks.spec.decryption?.secretRef?.name;
  if (!name) return { ageIdentities: [], pgpKeys: [] };
  const namespace = ks.metadata.namespace ?? 'default';
  const secret = await client.get<KubeObject & { data?: Record<string, string> }>({
    apiVersion: 'v1',
    kind: 'Secret',
    namespace,
    name,
  });
  if (!secret) {
    throw new ReconcileFailure(
      Reasons.BuildFailed,
      `decryption Secret '${namespace}/${name}' not found: create it with the private keys (entries ending .agekey or .asc)`,
    );
  }
  return sopsKeysFromSecretData(secret.data);
}
