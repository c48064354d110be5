import { ApiVersions, Kinds } from '../../api/constants.ts';
import type { ArtifactStorage } from '../../artifacts/storage.ts';
import { Controller } from '../../runtime/controller.ts';
import type { Manager } from '../../runtime/manager.ts';
import { fluxPrimaryPredicate, type ControllerDeps } from '../shared.ts';
import { ociRepositoryReconciler } from './reconciler.ts';

/** Registers the OCIRepository controller with the manager. */
export function setupOCIRepositoryController(
  mgr: Manager,
  deps: ControllerDeps & { storage: ArtifactStorage; concurrency?: number },
): Controller {
  const informer = mgr.informer(ApiVersions.source, Kinds.OCIRepository);
  const reconciler = ociRepositoryReconciler({ ...deps, informer, storage: deps.storage });
  const controller = new Controller({
    name: 'ocirepository',
    reconciler,
    logger: deps.logger,
    metrics: deps.metrics,
    concurrency: deps.concurrency ?? 2,
  });
  controller.watchPrimary(informer, fluxPrimaryPredicate);
  mgr.addController(controller);
  return controller;
}
