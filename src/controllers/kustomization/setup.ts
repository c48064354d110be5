import { ApiVersions, Kinds } from '../../api/constants.ts';
import type { Kustomization } from '../../api/kustomization.ts';
import type { Artifact } from '../../api/meta.ts';
import { AppliedMemory } from '../../apply/applied-memory.ts';
import type { ArtifactTreeCache } from '../../artifacts/tree-cache.ts';
import type { KubeObject } from '../../kube/types.ts';
import { getCondition } from '../../runtime/conditions.ts';
import { Controller } from '../../runtime/controller.ts';
import { keyOf } from '../../runtime/informer.ts';
import type { Manager } from '../../runtime/manager.ts';
import { kubeConfigRefs, watchReferencedConfigs, type ConfigRef } from '../config-watch.ts';
import { fluxPrimaryPredicate, type ControllerDeps } from '../shared.ts';
import { DriftWatcher } from './drift-watch.ts';
import type { DriftLog } from '../../apply/drift-log.ts';
import { kustomizationReconciler } from './reconciler.ts';
import { FIELD_MANAGER } from './steps/apply.ts';
import { sourceKey } from './steps/source.ts';

export interface KustomizationControllerOptions extends ControllerDeps {
  kustomizeBin: string;
  artifacts: ArtifactTreeCache;
  concurrency?: number;
  requeueDependencyMs?: number;
  noCrossNamespaceRefs?: boolean;
  /** Refuse git/http kustomize bases; default false (allowed), as Flux's `--no-remote-bases`. */
  noRemoteBases?: boolean;
  defaultServiceAccount?: string;
  /** Flux's ObjectLevelWorkloadIdentity feature gate: `spec.kubeConfig.configMapRef` may name a serviceAccountName. */
  objectLevelWorkloadIdentity?: boolean;
  /** Flux's `--default-kubeconfig-service-account`: the configMapRef token's ServiceAccount when the ConfigMap names none. */
  defaultKubeConfigServiceAccount?: string;
  /** Watch applied objects and correct drift at once (default true). */
  watchDrift?: boolean;
  /** Records corrected drift (field, field manager, when) for the dashboard. */
  driftLog?: DriftLog;
}

const BY_SOURCE = 'sourceRef';
const BY_DEPENDENCY = 'dependsOn';

/**
 * A source's artifact as far as its consumers care: revision and digest. Flux reacts to the revision only;
 * the digest also changes when a GitRepository's included artifacts change under the same revision.
 */
const artifactRevision = (o: KubeObject): string | undefined => {
  const artifact = (o as { status?: { artifact?: Artifact } }).status?.artifact;
  return artifact ? `${artifact.revision}|${artifact.digest}` : undefined;
};

/** The ConfigMaps and Secrets a Kustomization reads: substitutions, the SOPS keys, a remote cluster's kubeconfig. */
const configRefsOf = (ks: Kustomization): ConfigRef[] => [
  ...(ks.spec.postBuild?.substituteFrom ?? []).map((s) => ({ kind: s.kind, name: s.name })),
  ...(ks.spec.decryption?.secretRef ? [{ kind: 'Secret' as const, name: ks.spec.decryption.secretRef.name }] : []),
  ...kubeConfigRefs(ks.spec.kubeConfig),
];

/**
 * Registers the Kustomization controller: reconciles on spec/annotation changes, when a source
 * publishes a new artifact revision, when a dependency becomes Ready (Flux only polls for that), and when a
 * watched ConfigMap or Secret it references changes.
 */
export function setupKustomizationController(mgr: Manager, opts: KustomizationControllerOptions): Controller {
  const informer = mgr.informer(ApiVersions.kustomize, Kinds.Kustomization);
  // Sources are looked up across shards, as kustomize-controller's unfiltered cache of source kinds.
  const gitInformer = mgr.informer(ApiVersions.source, Kinds.GitRepository, { allShards: true });
  const ociInformer = mgr.informer(ApiVersions.source, Kinds.OCIRepository, { allShards: true });
  const bucketInformer = mgr.informer(ApiVersions.source, Kinds.Bucket, { allShards: true });
  const externalInformer = mgr.informer(ApiVersions.source, Kinds.ExternalArtifact, { allShards: true });
  const sources = new Map<string, typeof gitInformer>([
    [Kinds.GitRepository, gitInformer],
    [Kinds.OCIRepository, ociInformer],
    [Kinds.Bucket, bucketInformer],
    [Kinds.ExternalArtifact, externalInformer],
  ]);
  let controller: Controller | undefined = undefined;
  const driftWatcher =
    opts.watchDrift === false
      ? undefined
      : new DriftWatcher({ mgr, fieldManager: FIELD_MANAGER, enqueue: (key) => controller?.queue.addAfter(key, 1000) });
  // The drift watcher's caches tell whether an applied object changed since; without them, plan everything.
  const memory = driftWatcher ? new AppliedMemory({ live: (ref) => driftWatcher.resourceVersionOf(ref) }) : undefined;
  const reconciler = kustomizationReconciler({
    ...opts,
    informer,
    sources,
    kustomizeBin: opts.kustomizeBin,
    requeueDependencyMs: opts.requeueDependencyMs ?? 30_000,
    noCrossNamespaceRefs: opts.noCrossNamespaceRefs ?? false,
    noRemoteBases: opts.noRemoteBases ?? false,
    ...(driftWatcher ? { driftWatcher } : {}),
    ...(memory ? { memory } : {}),
    ...(opts.defaultServiceAccount ? { defaultServiceAccount: opts.defaultServiceAccount } : {}),
  });
  controller = new Controller({
    name: 'kustomization',
    reconciler,
    logger: opts.logger,
    metrics: opts.metrics,
    concurrency: opts.concurrency ?? 4,
  });
  controller.watchPrimary(informer, fluxPrimaryPredicate);

  // Indexes turn "which Kustomizations use this source / depend on this one" into lookups, not scans.
  informer.addIndex(BY_SOURCE, (k) => {
    const ref = sourceKey(k as Kustomization);
    return [`${ref.kind}/${ref.namespace}/${ref.name}`];
  });
  informer.addIndex(BY_DEPENDENCY, (k) =>
    ((k as Kustomization).spec.dependsOn ?? []).map((d) => `${d.namespace ?? k.metadata.namespace}/${d.name}`),
  );
  for (const [kind, sourceInformer] of sources) {
    controller.watchMapped(
      sourceInformer,
      (source) => informer.keysByIndex(BY_SOURCE, `${kind}/${source.metadata.namespace}/${source.metadata.name}`),
      (o, n) => artifactRevision(o) !== artifactRevision(n),
    );
  }
  const dependentsOf = (dep: KubeObject): string[] => informer.keysByIndex(BY_DEPENDENCY, keyOf(dep));
  const becameReady = (o: KubeObject, n: KubeObject): boolean => {
    const ready = (x: KubeObject): string =>
      `${getCondition(x as never, 'Ready')?.status}|${(x as Kustomization).status?.lastAppliedRevision}`;
    return ready(o) !== ready(n) && getCondition(n as never, 'Ready')?.status === 'True';
  };
  controller.watchMapped(informer, dependentsOf, becameReady);
  watchReferencedConfigs(mgr, controller, informer, (k) => configRefsOf(k as Kustomization), opts.configWatch);
  mgr.addController(controller);
  return controller;
}
