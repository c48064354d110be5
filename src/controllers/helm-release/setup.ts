import { ApiVersions, Kinds } from '../../api/constants.ts';
import { helmChartRefOf, type HelmRelease } from '../../api/helm-release.ts';
import type { Artifact } from '../../api/meta.ts';
import type { ArtifactTreeCache } from '../../artifacts/tree-cache.ts';
import { HelmCli } from '../../helm/cli.ts';
import type { KubeObject } from '../../kube/types.ts';
import { getCondition } from '../../runtime/conditions.ts';
import { Controller } from '../../runtime/controller.ts';
import { keyOf, type Informer } from '../../runtime/informer.ts';
import type { Manager } from '../../runtime/manager.ts';
import { kubeConfigRefs, watchReferencedConfigs } from '../config-watch.ts';
import { fluxPrimaryPredicate, type ControllerDeps } from '../shared.ts';
import { chartSourceKindOf, type ChartSourceKind } from './chart.ts';
import { helmReleaseReconciler } from './reconciler.ts';

export interface HelmReleaseControllerOptions extends ControllerDeps {
  helmBin: string;
  /** The engine's kubeconfig file, handed to helm (absent: helm's own default, in-cluster or $KUBECONFIG). */
  kubeconfig?: string;
  artifacts: ArtifactTreeCache;
  concurrency?: number;
  requeueDependencyMs?: number;
  noCrossNamespaceRefs?: boolean;
  defaultServiceAccount?: string;
  /** Flux's ObjectLevelWorkloadIdentity feature gate: `spec.kubeConfig.configMapRef` may name a serviceAccountName. */
  objectLevelWorkloadIdentity?: boolean;
  /** Flux's `--default-kubeconfig-service-account`: the configMapRef token's ServiceAccount when the ConfigMap names none. */
  defaultKubeConfigServiceAccount?: string;
}

const BY_CHART = 'helmChart';
const BY_DEPENDENCY = 'dependsOn';

const artifactOf = (o: KubeObject): string => {
  const a = (o as { status?: { artifact?: Artifact } }).status?.artifact;
  return `${a?.revision}|${a?.digest}`;
};

/**
 * Registers the HelmRelease controller: reconciles on spec/annotation changes, when its HelmChart,
 * OCIRepository or ExternalArtifact publishes a new artifact, when a dependency becomes Ready, and when a watched
 * ConfigMap or Secret of its values or kubeConfig changes.
 */
export function setupHelmReleaseController(mgr: Manager, opts: HelmReleaseControllerOptions): Controller {
  const informer = mgr.informer(ApiVersions.helm, Kinds.HelmRelease);
  // Charts of every shard, as helm-controller's cache sees them: a sharded release may use another shard's chart.
  const chartSources: Record<ChartSourceKind, Informer> = {
    HelmChart: mgr.informer(ApiVersions.source, Kinds.HelmChart, { allShards: true }),
    OCIRepository: mgr.informer(ApiVersions.source, Kinds.OCIRepository, { allShards: true }),
    ExternalArtifact: mgr.informer(ApiVersions.source, Kinds.ExternalArtifact, { allShards: true }),
  };
  const cli = new HelmCli({
    bin: opts.helmBin,
    ...(opts.kubeconfig ? { kubeconfig: opts.kubeconfig } : {}),
    serverVersion: () => opts.client.serverVersion(),
    workers: true,
  });
  const reconciler = helmReleaseReconciler({
    ...opts,
    informer,
    chartSources,
    cli,
    requeueDependencyMs: opts.requeueDependencyMs ?? 30_000,
    noCrossNamespaceRefs: opts.noCrossNamespaceRefs ?? false,
    ...(opts.defaultServiceAccount ? { defaultServiceAccount: opts.defaultServiceAccount } : {}),
  });
  const controller = new Controller({
    name: 'helmrelease',
    reconciler,
    logger: opts.logger,
    metrics: opts.metrics,
    concurrency: opts.concurrency ?? 4,
  });
  controller.watchPrimary(informer, fluxPrimaryPredicate);
  // Keyed `<kind>/<namespace>/<name>`: chart sources of different kinds may share a name.
  informer.addIndex(BY_CHART, (o) => {
    const hr = o as HelmRelease;
    const kind = chartSourceKindOf(hr);
    const ref = helmChartRefOf(hr);
    return kind && ref.name ? [`${kind}/${ref.namespace}/${ref.name}`] : [];
  });
  informer.addIndex(BY_DEPENDENCY, (o) =>
    ((o as HelmRelease).spec.dependsOn ?? []).map((d) => `${d.namespace ?? o.metadata.namespace}/${d.name}`),
  );
  for (const [kind, sources] of Object.entries(chartSources)) {
    controller.watchMapped(
      sources,
      (src) => informer.keysByIndex(BY_CHART, `${kind}/${keyOf(src)}`),
      (a, b) => artifactOf(a) !== artifactOf(b),
    );
  }
  const becameReady = (a: KubeObject, b: KubeObject): boolean => {
    const ready = (x: KubeObject): string | undefined => getCondition(x as never, 'Ready')?.status;
    return ready(a) !== ready(b) && ready(b) === 'True';
  };
  controller.watchMapped(informer, (dep) => informer.keysByIndex(BY_DEPENDENCY, keyOf(dep)), becameReady);
  // As helm-controller: a watched values source reconciles its releases even when marked optional.
  watchReferencedConfigs(
    mgr,
    controller,
    informer,
    (o) => {
      const hr = o as HelmRelease;
      return [
        ...(hr.spec.valuesFrom ?? []).map((v) => ({ kind: v.kind, name: v.name })),
        ...kubeConfigRefs(hr.spec.kubeConfig),
      ];
    },
    opts.configWatch,
  );
  mgr.addController(controller);
  // The helm workers end with the engine: on stop they are told to exit rather than left to notice.
  mgr.addRunnable({
    name: 'helm-workers',
    needsLeader: false,
    start: async () => {},
    stop: async () => await cli.close(),
  });
  return controller;
}
