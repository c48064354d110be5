import { ApiVersions, Kinds } from '../../api/constants.ts';
import type { ArtifactStorage } from '../../artifacts/storage.ts';
import { Controller } from '../../runtime/controller.ts';
import type { Manager } from '../../runtime/manager.ts';
import { fluxPrimaryPredicate, type ControllerDeps } from '../shared.ts';
import { helmRepositoryReconciler } from './reconciler.ts';

/** Registers the HelmRepository controller with the manager. */
export function setupHelmRepositoryController(
  mgr: Manager,
  deps: ControllerDeps & { storage: ArtifactStorage; concurrency?: number; maxIndexBytes?: number },
): Controller {
  const informer = mgr.informer(ApiVersions.source, Kinds.HelmRepository);
  const reconciler = helmRepositoryReconciler({ ...deps, informer });
  const controller = new Controller({
    name: 'helmrepository',
    reconciler,
    logger: deps.logger,
    metrics: deps.metrics,
    concurrency: deps.concurrency ?? 2,
  });
  controller.watchPrimary(informer, fluxPrimaryPredicate);
  mgr.addController(controller);
  return controller;
}
