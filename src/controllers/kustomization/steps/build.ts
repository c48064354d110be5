import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Reasons } from '../../../api/constants.ts';
import type { Kustomization } from '../../../api/kustomization.ts';
import type { Artifact } from '../../../api/meta.ts';
import { fetchArtifact } from '../../../artifacts/fetch.ts';
import type { KubeClient } from '../../../kube/client.ts';
import type { KubeObject } from '../../../kube/types.ts';
import { substituteObjects } from '../../../render/envsubst.ts';
import { buildKustomization } from '../../../render/kustomize-build.ts';
import { messageOf, readSecretData } from '../../shared.ts';
import { StepFailure } from '../step-failure.ts';

export interface BuildResult {
  objects: KubeObject[];
  /** sha256 of the built multi-document YAML (for `status.history`). */
  digest: string;
}

/**
 * Fetches the artifact, verifies its digest, builds it with kustomize (confined to the artifact),
 * and runs post-build substitution. Any failure is `ArtifactFailed` or `BuildFailed`; nothing is applied.
 */
export async function buildManifests(opts: {
  ks: Kustomization;
  artifact: Artifact;
  client: KubeClient;
  kustomizeBin: string;
  allowRemoteBases: boolean;
  signal: AbortSignal;
  timeoutMs: number;
}): Promise<BuildResult> {
  const { ks } = opts;
  const work = await mkdtemp(path.join(tmpdir(), 'driftless-ks-'));
  try {
    const root = path.join(work, 'src');
    try {
      await fetchArtifact({
        url: opts.artifact.url,
        digest: opts.artifact.digest,
        dest: root,
        signal: opts.signal,
        timeoutMs: opts.timeoutMs,
      });
    } catch (err) {
      throw new StepFailure(
        Reasons.ArtifactFailed,
        `failed to fetch artifact for revision '${opts.artifact.revision}': ${messageOf(err)}`,
        { cause: err },
      );
    }
    let built: { objects: KubeObject[]; digest: string };
    try {
      const spec = ks.spec;
      built = await buildKustomization({
        root,
        path: spec.path ?? './',
        kustomizeBin: opts.kustomizeBin,
        spec: {
          ...(spec.targetNamespace ? { targetNamespace: spec.targetNamespace } : {}),
          ...(spec.namePrefix ? { namePrefix: spec.namePrefix } : {}),
          ...(spec.nameSuffix ? { nameSuffix: spec.nameSuffix } : {}),
          ...(spec.patches ? { patches: spec.patches } : {}),
          ...(spec.images ? { images: spec.images } : {}),
          ...(spec.components ? { components: spec.components } : {}),
          ...(spec.ignoreMissingComponents ? { ignoreMissingComponents: true } : {}),
          ...(spec.commonMetadata ? { commonMetadata: spec.commonMetadata } : {}),
        },
        allowRemoteBases: opts.allowRemoteBases,
        signal: opts.signal,
        timeoutMs: opts.timeoutMs,
      });
    } catch (err) {
      throw new StepFailure(Reasons.BuildFailed, messageOf(err), { cause: err });
    }
    const objects = await substitute(ks, opts.client, built.objects);
    return { objects, digest: built.digest };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Post-build substitution: `substituteFrom` in order, then inline `substitute` (highest precedence). */
async function substitute(ks: Kustomization, client: KubeClient, objects: KubeObject[]): Promise<KubeObject[]> {
  const postBuild = ks.spec.postBuild;
  if (!postBuild) return objects;
  const vars: Record<string, string> = {};
  const ns = ks.metadata.namespace ?? '';
  for (const ref of postBuild.substituteFrom ?? []) {
    let data: Record<string, string> | undefined;
    if (ref.kind === 'Secret') {
      data = await readSecretData(client, ns, ref.name);
    } else {
      const cm = await client.get<KubeObject & { data?: Record<string, string> }>({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: ns,
        name: ref.name,
      });
      data = cm ? (cm.data ?? {}) : undefined;
    }
    if (!data) {
      if (ref.optional) continue;
      throw new StepFailure(
        Reasons.BuildFailed,
        `postBuild.substituteFrom: ${ref.kind} '${ns}/${ref.name}' not found; create it or mark the reference optional: true`,
      );
    }
    Object.assign(vars, data);
  }
  Object.assign(vars, postBuild.substitute ?? {});
  if (Object.keys(vars).length === 0 && postBuild.substituteStrategy !== 'Always') return objects;
  try {
    return substituteObjects(objects, vars, { strict: true });
  } catch (err) {
    throw new StepFailure(Reasons.BuildFailed, `post-build substitution failed: ${messageOf(err)}`, { cause: err });
  }
}
