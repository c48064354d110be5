import { Groups } from '../../api/constants.ts';
import type { ImageTagStore } from '../../sources/image/tag-store.ts';
import { Controller } from '../../runtime/controller.ts';
import type { Manager } from '../../runtime/manager.ts';
import { fluxPrimaryPredicate, type ControllerDeps } from '../shared.ts';
import { imageRepositoryReconciler } from './reconciler.ts';

/** Registers the ImageRepository controller with the manager. */
export function setupImageRepositoryController(
  mgr: Manager,
  deps: ControllerDeps & { tags: ImageTagStore; concurrency?: number },
): Controller {
  const informer = mgr.informer(`${Groups.image}/v1`, 'ImageRepository');
  const reconciler = imageRepositoryReconciler({ ...deps, informer });
  const controller = new Controller({
    name: 'imagerepository',
    reconciler,
    logger: deps.logger,
    metrics: deps.metrics,
    concurrency: deps.concurrency ?? 2,
  });
  controller.watchPrimary(informer, fluxPrimaryPredicate);
  mgr.addController(controller);
  return controller;
}
