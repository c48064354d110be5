import { isNoKindMatch } from '../../kube/errors.ts';
import { Annotations } from '../../api/constants.ts';
import { FluxInstanceAnnotations, FluxInstanceTypeMeta } from '../../api/flux-instance.ts';
import { Controller } from '../../runtime/controller.ts';
import { keyOf } from '../../runtime/informer.ts';
import type { Manager } from '../../runtime/manager.ts';
import { annotationChanged, anyOf, generationChanged } from '../../runtime/predicates.ts';
import { fluxPrimaryPredicate, messageOf, type ControllerDeps } from '../shared.ts';
import { InstanceInfoMetric } from './instance-info-metric.ts';
import { listRunningProcesses } from './peers.ts';
import { FluxInstanceReconciler } from './reconciler.ts';

export interface FluxInstanceControllerOptions extends ControllerDeps {
  /** The manager's runtime namespace: FluxInstances elsewhere are refused (Stalled). */
  namespace: string;
  /** Reconciler groups this manager runs, by Flux component name (e.g. `source-controller`). */
  components: readonly string[];
  /** Components this Driftless version has (default: `components`). */
  available?: readonly string[];
  /** The manager's `--watch-label-selector`, compared with `spec.sharding`. */
  watchLabelSelector?: string | undefined;
  /**
   * Where the managers' leader Leases live (with leader election): the other running processes are read
   * from them. Unset: only this manager is known, and `spec.sharding` cannot be checked.
   */
  leaseNamespace?: string | undefined;
  /** The manager's `--no-cross-namespace-refs`, compared with `spec.cluster.multitenant`. */
  noCrossNamespaceRefs: boolean;
  /** The manager's `--default-service-account`, compared with `spec.cluster.tenantDefaultServiceAccount`. */
  defaultServiceAccount?: string | undefined;
  /** kustomize binary, run for `spec.kustomize.patches`. */
  kustomizeBin: string;
  /** Asks the FluxReport in `namespace` to refresh (wire `requestReportUpdate`); default: nothing. */
  requestReportUpdate?: (namespace: string) => Promise<unknown>;
  /** Periodic reconcile (default 1h, the Operator's; annotation `fluxcd.controlplane.io/reconcileEvery`). */
  intervalMs?: number;
  /** How long `spec.wait` waits (default 5m; annotation `fluxcd.controlplane.io/reconcileTimeout`). */
  timeoutMs?: number;
  /** Delay before retrying a failure that is not Stalled (default 1m). */
  retryIntervalMs?: number;
  /** Health poll period while waiting (default 2 s). */
  pollIntervalMs?: number;
}

/**
 * Registers the FluxInstance controller (one worker: the kind is a singleton). It reconciles on spec
 * changes, `reconcile.fluxcd.io/requestedAt`, the pause annotation and deletion; a spec change or a request
 * arriving during a reconcile aborts that reconcile's wait, so the new spec is applied at once. Resolves
 * `undefined`, after a warning, when the FluxInstance CRD is not installed.
 */
export async function setupFluxInstanceController(
  mgr: Manager,
  opts: FluxInstanceControllerOptions,
): Promise<Controller | undefined> {
  try {
    await opts.client.resource(FluxInstanceTypeMeta.apiVersion, FluxInstanceTypeMeta.kind);
  } catch (err) {
    if (!isNoKindMatch(err)) throw err;
    opts.logger.warn(
      { err: messageOf(err) },
      'the FluxInstance CRD is not installed: run `driftless install` to enable FluxInstance',
    );
    return undefined;
  }
  const informer = mgr.informer(FluxInstanceTypeMeta.apiVersion, FluxInstanceTypeMeta.kind);
  const reconciler = new FluxInstanceReconciler({
    ...opts,
    informer,
    ...(opts.leaseNamespace ? { peers: () => listRunningProcesses(opts.client, opts.leaseNamespace ?? '') } : {}),
    facts: {
      components: opts.components,
      available: opts.available ?? opts.components,
      watchLabelSelector: opts.watchLabelSelector,
      noCrossNamespaceRefs: opts.noCrossNamespaceRefs,
      defaultServiceAccount: opts.defaultServiceAccount,
    },
    metric: new InstanceInfoMetric({ registry: opts.metrics.registry }),
    requestReportUpdate: opts.requestReportUpdate ?? (async () => undefined),
    intervalMs: opts.intervalMs ?? 60 * 60_000,
    timeoutMs: opts.timeoutMs ?? 5 * 60_000,
    retryIntervalMs: opts.retryIntervalMs ?? 60_000,
    pollIntervalMs: opts.pollIntervalMs ?? 2000,
  });
  const controller = new Controller({
    name: 'fluxinstance',
    reconciler,
    logger: opts.logger,
    metrics: opts.metrics,
    concurrency: 1,
  });
  controller.watchPrimary(informer, anyOf(fluxPrimaryPredicate, annotationChanged(FluxInstanceAnnotations.reconcile)));
  const supersedes = anyOf(generationChanged, annotationChanged(Annotations.reconcileRequestedAt));
  informer.addHandlers({
    onUpdate: (o, n) => {
      if (supersedes(o, n)) reconciler.cancel(keyOf(n));
    },
  });
  mgr.addController(controller);
  return controller;
}
