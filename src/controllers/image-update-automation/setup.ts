import { Groups } from '../../api/constants.ts';
import type { ImagePolicy } from '../../api/image-policy.ts';
import type { ImageUpdateAutomation } from '../../api/image-update-automation.ts';
import type { KubeObject } from '../../kube/types.ts';
import { Controller } from '../../runtime/controller.ts';
import type { Manager } from '../../runtime/manager.ts';
import { fluxPrimaryPredicate, type ControllerDeps } from '../shared.ts';
import { imageUpdateAutomationReconciler } from './reconciler.ts';

const BY_SOURCE = 'sourceRef';
const BY_NAMESPACE = 'namespace';

const latestOf = (o: KubeObject): string => JSON.stringify((o as ImagePolicy).status?.latestRef ?? null);

/**
 * Registers the ImageUpdateAutomation controller: reconciles on spec/annotation changes, when its
 * GitRepository's spec changes, and when an ImagePolicy of its namespace gets a new latest image
 * (Flux's sourceConfigChangePredicate and latestImageChangePredicate).
 */
export function setupImageUpdateAutomationController(
  mgr: Manager,
  deps: ControllerDeps & { concurrency?: number; noCrossNamespaceRefs?: boolean },
): Controller {
  const informer = mgr.informer(`${Groups.image}/v1`, 'ImageUpdateAutomation');
  const policies = mgr.informer(`${Groups.image}/v1`, 'ImagePolicy');
  const sources = mgr.informer(`${Groups.source}/v1`, 'GitRepository');
  const reconciler = imageUpdateAutomationReconciler({ ...deps, informer, policies, sources });
  const controller = new Controller({
    name: 'imageupdateautomation',
    reconciler,
    logger: deps.logger,
    metrics: deps.metrics,
    concurrency: deps.concurrency ?? 2,
  });
  controller.watchPrimary(informer, fluxPrimaryPredicate);
  informer.addIndex(BY_SOURCE, (a) => {
    const auto = a as ImageUpdateAutomation;
    return [`${auto.spec.sourceRef.namespace || (auto.metadata.namespace ?? '')}/${auto.spec.sourceRef.name}`];
  });
  informer.addIndex(BY_NAMESPACE, (a) => [a.metadata.namespace ?? '']);
  controller.watchMapped(
    sources,
    (repo) => informer.keysByIndex(BY_SOURCE, `${repo.metadata.namespace ?? ''}/${repo.metadata.name}`),
    (o, n) => o.metadata.generation !== n.metadata.generation,
  );
  controller.watchMapped(
    policies,
    (p) => informer.keysByIndex(BY_NAMESPACE, p.metadata.namespace ?? ''),
    (o, n) => latestOf(o) !== latestOf(n),
  );
  mgr.addController(controller);
  return controller;
}
