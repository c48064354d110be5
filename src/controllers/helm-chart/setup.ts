import { ApiVersions, Kinds } from '../../api/constants.ts';
import type { HelmChart } from '../../api/helm-chart.ts';
import type { Artifact } from '../../api/meta.ts';
import type { ArtifactStorage } from '../../artifacts/storage.ts';
import type { KubeObject } from '../../kube/types.ts';
import { Controller } from '../../runtime/controller.ts';
import type { Manager } from '../../runtime/manager.ts';
import { fluxPrimaryPredicate, type ControllerDeps } from '../shared.ts';
import type { HelmRepository } from '../../api/helm-repository.ts';
import { BY_REPOSITORY_URL, repositoryUrlKey } from './dependency.ts';
import { helmChartReconciler } from './reconciler.ts';

const BY_SOURCE = 'sourceRef';

const artifactRevision = (o: KubeObject): string | undefined =>
  (o as { status?: { artifact?: Artifact } }).status?.artifact?.revision;

/** Index value of a HelmChart's source: `<kind>/<namespace>/<name>` (sources are in the chart's namespace). */
export const helmChartSourceKey = (c: HelmChart): string =>
  `${c.spec.sourceRef.kind}/${c.metadata.namespace ?? ''}/${c.spec.sourceRef.name}`;

/**
 * Registers the HelmChart controller: reconciles on spec/annotation changes, and when its HelmRepository,
 * GitRepository or Bucket publishes a new artifact revision (source-controller's SourceRevisionChangePredicate).
 */
export function setupHelmChartController(
  mgr: Manager,
  deps: ControllerDeps & { storage: ArtifactStorage; concurrency?: number; requeueDependencyMs?: number },
): Controller {
  const informer = mgr.informer(ApiVersions.source, Kinds.HelmChart);
  const sources = new Map([
    [Kinds.HelmRepository as string, mgr.informer(ApiVersions.source, Kinds.HelmRepository)],
    [Kinds.GitRepository as string, mgr.informer(ApiVersions.source, Kinds.GitRepository)],
    [Kinds.Bucket as string, mgr.informer(ApiVersions.source, Kinds.Bucket)],
  ]);
  const reconciler = helmChartReconciler({ ...deps, informer, sources });
  const controller = new Controller({
    name: 'helmchart',
    reconciler,
    logger: deps.logger,
    metrics: deps.metrics,
    concurrency: deps.concurrency ?? 2,
  });
  controller.watchPrimary(informer, fluxPrimaryPredicate);
  informer.addIndex(BY_SOURCE, (c) => [helmChartSourceKey(c as HelmChart)]);
  // Chart dependencies are looked up by repository URL among the namespace's HelmRepositories.
  sources
    .get(Kinds.HelmRepository)
    ?.addIndex(BY_REPOSITORY_URL, (r) => [
      repositoryUrlKey(r.metadata.namespace ?? '', (r as HelmRepository).spec.url),
    ]);
  for (const [kind, sourceInformer] of sources) {
    controller.watchMapped(
      sourceInformer,
      (source) => informer.keysByIndex(BY_SOURCE, `${kind}/${source.metadata.namespace}/${source.metadata.name}`),
      (o, n) => artifactRevision(o) !== artifactRevision(n),
    );
  }
  mgr.addController(controller);
  return controller;
}
