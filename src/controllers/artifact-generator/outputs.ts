// What an ArtifactGenerator writes: ExternalArtifact objects (server-side apply as source-watcher, then
// their status), their pruning, and the drift check that lets an unchanged generator skip a rebuild.
import { createReadStream } from 'node:fs';
import {
  ArtifactGeneratorApiVersion,
  ArtifactGeneratorNames,
  type ArtifactGenerator,
  type ExternalArtifactReference,
} from '../../api/artifact-generator.ts';
import { ConditionTypes, ControllerNames, Kinds, Reasons } from '../../api/constants.ts';
import { ExternalArtifactTypeMeta, type ExternalArtifact } from '../../api/external-artifact.ts';
import type { Artifact } from '../../api/meta.ts';
import { sha256Digest } from '../../artifacts/digest.ts';
import type { ArtifactStorage } from '../../artifacts/storage.ts';
import type { KubeClient } from '../../kube/client.ts';
import { getCondition } from '../../runtime/conditions.ts';
import type { Informer } from '../../runtime/informer.ts';

const fieldManager = ControllerNames.sourceWatcher;

/** Same artifact for consumers: digest, revision and metadata (the file and its time may differ). */
const sameArtifact = (a: Artifact | undefined, b: Artifact): boolean =>
  a !== undefined &&
  a.digest === b.digest &&
  a.revision === b.revision &&
  JSON.stringify(a.metadata ?? {}) === JSON.stringify(b.metadata ?? {});

/**
 * Applies the ExternalArtifact `name` (labels: common metadata, managed-by, the generator's UID; spec:
 * the generator as sourceRef) and sets its status to the artifact with Ready=True. When the object already
 * records the same artifact, its status is left as it is. Returns the artifact now recorded.
 */
export async function applyExternalArtifact(opts: {
  client: KubeClient;
  informer: Informer;
  generator: ArtifactGenerator;
  name: string;
  artifact: Artifact;
}): Promise<Artifact> {
  const { generator: ag, name, artifact } = opts;
  const namespace = ag.metadata.namespace ?? '';
  const common = ag.spec.commonMetadata;
  const labels: Record<string, string> = {
    ...(common?.labels ?? {}),
    'app.kubernetes.io/managed-by': fieldManager,
    [ArtifactGeneratorNames.generatorLabel]: ag.metadata.uid ?? '',
  };
  const annotations =
    common?.annotations && Object.keys(common.annotations).length > 0 ? common.annotations : undefined;
  const ea: ExternalArtifact = {
    ...ExternalArtifactTypeMeta,
    metadata: { name, namespace, labels, ...(annotations ? { annotations } : {}) },
    spec: {
      sourceRef: {
        apiVersion: ArtifactGeneratorApiVersion,
        kind: Kinds.ArtifactGenerator,
        name: ag.metadata.name,
        namespace,
      },
    },
  };
  const applied = await opts.client.apply<ExternalArtifact>(ea, { fieldManager, force: true });
  const current = (opts.informer.get(`${namespace}/${name}`) as ExternalArtifact | undefined)?.status?.artifact;
  const live = applied.status?.artifact ?? current;
  if (sameArtifact(live, artifact) && getCondition(applied as never, ConditionTypes.Ready)?.status === 'True') {
    return live!;
  }
  await opts.client.apply(
    {
      ...ExternalArtifactTypeMeta,
      metadata: { name, namespace },
      status: {
        artifact,
        conditions: [
          {
            type: ConditionTypes.Ready,
            status: 'True',
            observedGeneration: applied.metadata.generation ?? 0,
            lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
            reason: Reasons.Succeeded,
            message: 'Artifact is ready',
          },
        ],
      },
    } as ExternalArtifact,
    { fieldManager, force: true, subresource: 'status' },
  );
  return artifact;
}

/** Deletes the ExternalArtifacts of `refs` and their stored files (pruning and finalization). */
export async function deleteExternalArtifacts(
  client: KubeClient,
  storage: ArtifactStorage,
  refs: readonly ExternalArtifactReference[],
): Promise<void> {
  for (const ref of refs) {
    await storage.removeAll(Kinds.ExternalArtifact, ref.namespace, ref.name);
    await client.delete({ ...ExternalArtifactTypeMeta, namespace: ref.namespace, name: ref.name });
  }
}

/** Inventory entries no longer produced (source-watcher's findOrphanedReferences). */
export function orphans(
  inventory: readonly ExternalArtifactReference[],
  current: readonly ExternalArtifactReference[],
): ExternalArtifactReference[] {
  const keep = new Set(current.map((r) => `${r.namespace}/${r.name}`));
  return inventory.filter((r) => !keep.has(`${r.namespace}/${r.name}`));
}

/**
 * source-watcher's detectDrift: why the artifacts must be rebuilt, or undefined when the last reconcile
 * succeeded for this generation and these sources, every inventory file is in storage with its digest,
 * and the ExternalArtifacts labelled with the generator's UID are exactly the inventory.
 */
export async function driftReason(opts: {
  obj: ArtifactGenerator;
  sourcesDigest: string;
  storage: ArtifactStorage;
  informer: Informer;
}): Promise<string | undefined> {
  const { obj, storage } = opts;
  const ready = getCondition(obj as never, ConditionTypes.Ready);
  if (ready?.status !== 'True') return 'NotReady';
  if ((ready.observedGeneration ?? 0) !== (obj.metadata.generation ?? 0)) return 'GenerationChanged';
  if (obj.status?.observedSourcesDigest !== opts.sourcesDigest) return 'SourcesChanged';
  const inventory = obj.status?.inventory ?? [];
  if (inventory.length !== obj.spec.artifacts.length) return 'ArtifactsChanged';
  for (const ref of inventory) {
    const file = storage.artifactPath(Kinds.ExternalArtifact, ref.namespace, ref.name, ref.filename);
    if (!(await storage.has({ path: file }))) return 'ArtifactMissing';
    if ((await sha256Digest(createReadStream(storage.localPath(file)))) !== ref.digest) return 'ArtifactCorrupted';
  }
  const uid = obj.metadata.uid ?? '';
  const live = opts.informer
    .list()
    .filter(
      (ea) =>
        ea.metadata.namespace === obj.metadata.namespace &&
        ea.metadata.labels?.[ArtifactGeneratorNames.generatorLabel] === uid,
    ) as ExternalArtifact[];
  if (live.length !== inventory.length) return 'ExternalArtifactsChanged';
  const digests = new Map(inventory.map((r) => [`${r.namespace}/${r.name}`, r.digest]));
  for (const ea of live) {
    if (digests.get(`${ea.metadata.namespace}/${ea.metadata.name}`) !== ea.status?.artifact?.digest) {
      return 'ExternalArtifactsChanged';
    }
  }
  return undefined;
}
