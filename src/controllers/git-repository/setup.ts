import { ApiVersions, Kinds } from '../../api/constants.ts';
import type { GitRepository } from '../../api/git-repository.ts';
import type { ArtifactStorage } from '../../artifacts/storage.ts';
import { Controller } from '../../runtime/controller.ts';
import type { Manager } from '../../runtime/manager.ts';
import { fluxPrimaryPredicate, type ControllerDeps } from '../shared.ts';
import { includeDependents, includeIndexValues } from './include.ts';
import { gitRepositoryReconciler } from './reconciler.ts';

const BY_INCLUDE = 'include';

/** Revision and digest of a GitRepository's artifact: an include's content changes with either. */
const artifactOf = (o: GitRepository): string => `${o.status?.artifact?.revision}|${o.status?.artifact?.digest}`;

/** Registers the GitRepository controller with the manager. */
export function setupGitRepositoryController(
  mgr: Manager,
  deps: ControllerDeps & { storage: ArtifactStorage; concurrency?: number; requeueDependencyMs?: number },
): Controller {
  const informer = mgr.informer(ApiVersions.source, Kinds.GitRepository);
  const reconciler = gitRepositoryReconciler({ ...deps, informer, storage: deps.storage });
  const controller = new Controller({
    name: 'gitrepository',
    reconciler,
    logger: deps.logger,
    metrics: deps.metrics,
    concurrency: deps.concurrency ?? 2,
  });
  controller.watchPrimary(informer, fluxPrimaryPredicate);
  // A repository that includes another is rebuilt as soon as the included one stores a new artifact.
  informer.addIndex(BY_INCLUDE, (o) => includeIndexValues(o as GitRepository));
  controller.watchMapped(
    informer,
    (o) =>
      includeDependents(
        o as GitRepository,
        (ns, name) => informer.get(`${ns}/${name}`) as GitRepository | undefined,
        (key) => informer.keysByIndex(BY_INCLUDE, key),
      ),
    (o, n) => artifactOf(o as GitRepository) !== artifactOf(n as GitRepository),
  );
  mgr.addController(controller);
  return controller;
}
