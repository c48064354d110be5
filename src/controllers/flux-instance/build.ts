// The objects a FluxInstance applies: the sync objects, patched by `spec.kustomize.patches` with the real
// kustomize, stamped with `spec.commonMetadata`, and digested into the instance's revision.
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Reasons } from '../../api/constants.ts';
import type { FluxInstance } from '../../api/flux-instance.ts';
import type { KubeObject } from '../../kube/types.ts';
import { setCommonMetadata } from '../../render/common-metadata.ts';
import { buildKustomization } from '../../render/kustomize-build.ts';
import { serializeManifests } from '../../render/manifests.ts';
import { messageOf } from '../shared.ts';
import { ReconcileFailure } from '../../runtime/reconcile/failure.ts';
import { syncObjects } from './sync-objects.ts';

/** The generated objects, `sha256:<hex>` of their YAML, and the revision `<distribution.version>@<digest>`. */
export interface BuiltInstance {
  objects: KubeObject[];
  digest: string;
  revision: string;
}

export interface BuildInstanceOptions {
  instance: Pick<FluxInstance, 'metadata' | 'spec'>;
  /** The kustomize binary; run only when the spec has patches. */
  kustomizeBin: string;
  /** kustomize run time limit (default 60 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * Builds what the instance applies. Patches go through `kustomize build` over the generated objects (so
 * strategic-merge and JSON6902 patches and their targets behave exactly as in a Kustomization); without
 * patches no process runs. Throws ReconcileFailure(BuildFailed, stalled) when a patch does not apply.
 */
export async function buildInstance(opts: BuildInstanceOptions): Promise<BuiltInstance> {
  const { instance } = opts;
  let objects = syncObjects(instance);
  const patches = instance.spec.kustomize?.patches ?? [];
  if (patches.length > 0) objects = await patchObjects(objects, opts);
  objects = setCommonMetadata(objects, instance.spec.commonMetadata);
  const yaml = serializeManifests(objects);
  const digest = `sha256:${createHash('sha256').update(yaml).digest('hex')}`;
  return { objects, digest, revision: `${instance.spec.distribution.version}@${digest}` };
}

async function patchObjects(objects: KubeObject[], opts: BuildInstanceOptions): Promise<KubeObject[]> {
  if (objects.length === 0) {
    throw new ReconcileFailure(
      Reasons.BuildFailed,
      'spec.kustomize.patches is set but there is nothing to patch: add spec.sync',
      {
        stalled: true,
      },
    );
  }
  const work = await mkdtemp(path.join(tmpdir(), 'driftless-instance-'));
  try {
    await writeFile(path.join(work, 'sync.yaml'), serializeManifests(objects));
    const built = await buildKustomization({
      root: work,
      kustomizeBin: opts.kustomizeBin,
      spec: { patches: opts.instance.spec.kustomize?.patches ?? [] },
      timeoutMs: opts.timeoutMs ?? 60_000,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    return built.objects as KubeObject[];
  } catch (err) {
    // A cancelled build says nothing about the patches: let the caller see the abort.
    if (opts.signal?.aborted) throw err;
    throw new ReconcileFailure(Reasons.BuildFailed, `spec.kustomize.patches: ${messageOf(err)}`, {
      stalled: true,
      cause: err,
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
