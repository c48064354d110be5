import { Groups } from '../../api/constants.ts';
import type { ImagePolicy } from '../../api/image-policy.ts';
import type { ImageRepository } from '../../api/image-repository.ts';
import type { KubeObject } from '../../kube/types.ts';
import type { ImageTagStore } from '../../sources/image/tag-store.ts';
import { Controller } from '../../runtime/controller.ts';
import type { Manager } from '../../runtime/manager.ts';
import { fluxPrimaryPredicate, type ControllerDeps } from '../shared.ts';
import { imagePolicyReconciler } from './reconciler.ts';

const BY_REPOSITORY = 'imageRepositoryRef';

const scanRevision = (o: KubeObject): string | undefined => (o as ImageRepository).status?.lastScanResult?.revision;

/** Index value of an ImagePolicy's ImageRepository: `<namespace>/<name>`. */
export const imagePolicyRepositoryKey = (p: ImagePolicy): string =>
  `${p.spec.imageRepositoryRef.namespace || (p.metadata.namespace ?? '')}/${p.spec.imageRepositoryRef.name}`;

/**
 * Registers the ImagePolicy controller: reconciles on spec/annotation changes, and when its ImageRepository
 * appears or its scan result's revision changes (Flux's imageRepositoryPredicate).
 */
export function setupImagePolicyController(
  mgr: Manager,
  deps: ControllerDeps & {
    tags: ImageTagStore;
    concurrency?: number;
    requeueDependencyMs?: number;
    noCrossNamespaceRefs?: boolean;
  },
): Controller {
  const informer = mgr.informer(`${Groups.image}/v1`, 'ImagePolicy');
  const repositories = mgr.informer(`${Groups.image}/v1`, 'ImageRepository');
  const reconciler = imagePolicyReconciler({ ...deps, informer, repositories });
  const controller = new Controller({
    name: 'imagepolicy',
    reconciler,
    logger: deps.logger,
    metrics: deps.metrics,
    concurrency: deps.concurrency ?? 2,
  });
  controller.watchPrimary(informer, fluxPrimaryPredicate);
  informer.addIndex(BY_REPOSITORY, (p) => [imagePolicyRepositoryKey(p as ImagePolicy)]);
  controller.watchMapped(
    repositories,
    (repo) => informer.keysByIndex(BY_REPOSITORY, `${repo.metadata.namespace ?? ''}/${repo.metadata.name}`),
    (o, n) => scanRevision(n) !== undefined && scanRevision(o) !== scanRevision(n),
  );
  mgr.addController(controller);
  return controller;
}
