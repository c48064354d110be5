import { isNoKindMatch } from '../../kube/errors.ts';
import { isDeepStrictEqual } from 'node:util';
import { ControlPlaneApiVersion, FluxReportName } from '../../api/flux-report.ts';
import { Controller } from '../../runtime/controller.ts';
import type { Informer } from '../../runtime/informer.ts';
import type { Manager } from '../../runtime/manager.ts';
import type { UpdatePredicate } from '../../runtime/predicates.ts';
import { messageOf, type ControllerDeps } from '../shared.ts';
import { ComponentKinds } from './components.ts';
import { FluxReportReconciler } from './reconciler.ts';
import { ResourceInfoMetric } from './resource-info-metric.ts';
import { driftlessVersion } from './version.ts';

export interface FluxReportControllerOptions extends ControllerDeps {
  /** The manager's runtime namespace; the report is `<namespace>/flux`. */
  namespace: string;
  /** Refresh interval (Flux Operator `--reporting-interval`); default 5 minutes. */
  intervalMs?: number;
  /** Reconciler groups running in this manager, by Flux controller name (keys of ComponentKinds). */
  components: readonly string[];
  /** The manager's identity, shown in the components' status lines. */
  identity: string;
  /** Running in a Pod: the components then report the image of Deployment `deploymentName`. */
  inCluster?: boolean;
  /** Default `driftless`, the Deployment `driftless install` creates. */
  deploymentName?: string;
  /** Default: `v` + package.json's version. */
  version?: string;
}

/** Any annotation added, changed or removed: how the Flux Operator lets users poke its report. */
const annotationsChanged: UpdatePredicate = (o, n) =>
  !isDeepStrictEqual(o.metadata.annotations ?? {}, n.metadata.annotations ?? {});

/**
 * Registers the FluxReport controller and the live `flux_resource_info` updates: the running groups'
 * informers upsert or remove one object's series on each event (leader only, like the report).
 * Resolves `undefined`, after a warning, when the FluxReport CRD is not installed (an informer on a
 * missing kind would hold the manager's cache sync forever); throws on an unknown component name.
 */
export async function setupFluxReportController(
  mgr: Manager,
  opts: FluxReportControllerOptions,
): Promise<Controller | undefined> {
  try {
    await opts.client.resource(ControlPlaneApiVersion, 'FluxReport');
  } catch (err) {
    if (!isNoKindMatch(err)) throw err;
    opts.logger.warn(
      { err: messageOf(err) },
      'the FluxReport CRD is not installed: run `driftless install` to enable reporting',
    );
    return undefined;
  }
  const caches = new Map<string, Informer>();
  for (const name of opts.components) {
    const kinds = ComponentKinds[name];
    if (!kinds)
      throw new Error(
        `unknown component "${name}": add its kinds to ComponentKinds in src/controllers/flux-report/components.ts`,
      );
    for (const k of kinds) caches.set(k.kind, mgr.informer(k.apiVersion, k.kind));
  }
  const resourceInfo = new ResourceInfoMetric({ registry: opts.metrics.registry });
  for (const cache of caches.values()) {
    cache.addHandlers({
      onAdd: (o) => mgr.isLeader && resourceInfo.upsert(o),
      onUpdate: (_, n) => mgr.isLeader && resourceInfo.upsert(n),
      onDelete: (o) => resourceInfo.remove(o),
    });
  }

  const informer = mgr.informer(ControlPlaneApiVersion, 'FluxReport', { namespace: opts.namespace });
  const reconciler = new FluxReportReconciler({
    ...opts,
    informer,
    intervalMs: opts.intervalMs ?? 5 * 60_000,
    version: opts.version ?? driftlessVersion(),
    caches,
    isLeader: () => mgr.isLeader,
    resourceInfo,
    ...(opts.inCluster ? { deployment: { namespace: opts.namespace, name: opts.deploymentName ?? 'driftless' } } : {}),
  });
  const controller = new Controller({
    name: 'fluxreport',
    reconciler,
    logger: opts.logger,
    metrics: opts.metrics,
    concurrency: 1,
  });
  controller.watchPrimary(informer, annotationsChanged);
  mgr.addController(controller);
  // Creates the report when missing; runs once this manager leads.
  mgr.addRunnable({
    name: 'flux-report-init',
    start: async () => controller.enqueue(`${opts.namespace}/${FluxReportName}`),
  });
  return controller;
}
