import {
  ArtifactGeneratorApiVersion,
  ArtifactGeneratorNames,
  GeneratorSourceKinds,
  type ArtifactGenerator,
} from '../../api/artifact-generator.ts';
import { ApiVersions, Kinds } from '../../api/constants.ts';
import type { Artifact } from '../../api/meta.ts';
import type { ArtifactStorage } from '../../artifacts/storage.ts';
import type { KubeObject } from '../../kube/types.ts';
import { Controller } from '../../runtime/controller.ts';
import type { Informer } from '../../runtime/informer.ts';
import type { Manager } from '../../runtime/manager.ts';
import { annotationChanged, anyOf } from '../../runtime/predicates.ts';
import { fluxPrimaryPredicate, type ControllerDeps } from '../shared.ts';
import { artifactGeneratorReconciler } from './reconciler.ts';
import { sourceKeys } from './sources.ts';

const BY_SOURCE = 'sourceRef';

const artifactOf = (o: KubeObject): Artifact | undefined =>
  (o as { status?: { artifact?: Artifact } }).status?.artifact;

/** source-watcher's sourceChangePredicate: the source has an artifact and its revision is new. */
const newRevision = (o: KubeObject, n: KubeObject): boolean => {
  const next = artifactOf(n);
  return next !== undefined && artifactOf(o)?.revision !== next.revision;
};

/** Registers the ArtifactGenerator controller (Flux's source-watcher) with the manager. */
export function setupArtifactGeneratorController(
  mgr: Manager,
  deps: ControllerDeps & {
    storage: ArtifactStorage;
    concurrency?: number;
    requeueDependencyMs?: number;
    noCrossNamespaceRefs?: boolean;
  },
): Controller {
  const informer = mgr.informer(ArtifactGeneratorApiVersion, Kinds.ArtifactGenerator);
  // Sources and ExternalArtifacts are read across shards, as source-watcher's unfiltered caches.
  const sources = new Map<string, Informer>(
    GeneratorSourceKinds.map((kind) => [kind, mgr.informer(ApiVersions.source, kind, { allShards: true })]),
  );
  const externalArtifacts = sources.get(Kinds.ExternalArtifact)!;
  const reconciler = artifactGeneratorReconciler({
    ...deps,
    informer,
    sources,
    externalArtifacts,
    storage: deps.storage,
    requeueDependencyMs: deps.requeueDependencyMs ?? 5_000,
    noCrossNamespaceRefs: deps.noCrossNamespaceRefs ?? false,
  });
  const controller = new Controller({
    name: 'artifactgenerator',
    reconciler,
    logger: deps.logger,
    metrics: deps.metrics,
    concurrency: deps.concurrency ?? 2,
  });
  // Lifting the pause annotation (`flux resume artifact generator`) reconciles at once, as a spec change does.
  controller.watchPrimary(
    informer,
    anyOf(fluxPrimaryPredicate, annotationChanged(ArtifactGeneratorNames.reconcileAnnotation)),
  );
  informer.addIndex(BY_SOURCE, (o) => sourceKeys(o as ArtifactGenerator));
  for (const [kind, sourceInformer] of sources) {
    controller.watchMapped(
      sourceInformer,
      (src) => informer.keysByIndex(BY_SOURCE, `${kind}/${src.metadata.namespace}/${src.metadata.name}`),
      newRevision,
    );
  }
  // A generated ExternalArtifact deleted or changed by hand is drift: its generator puts it back.
  controller.watchMapped(
    externalArtifacts,
    (ea) => {
      const ref = (ea as { spec?: { sourceRef?: { kind?: string; name?: string; namespace?: string } } }).spec
        ?.sourceRef;
      return ref?.kind === Kinds.ArtifactGenerator && ref.name
        ? [`${ref.namespace ?? ea.metadata.namespace}/${ref.name}`]
        : [];
    },
    (o, n) => artifactOf(o)?.digest !== artifactOf(n)?.digest,
  );
  mgr.addController(controller);
  return controller;
}
