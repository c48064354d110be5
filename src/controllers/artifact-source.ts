import { Finalizer, Reasons } from '../api/constants.ts';
import type { ArtifactStorage } from '../artifacts/storage.ts';
import type { KubeObject } from '../kube/types.ts';
import type { Informer } from '../runtime/informer.ts';
import { removeFinalizer } from '../runtime/patch.ts';
import type { OutcomeSink } from '../runtime/reconcile/skeleton.ts';
import type { Request, Result } from '../runtime/result.ts';
import { handledRequest, type ControllerDeps } from './shared.ts';

/** A source kind whose reconciler stores artifacts (GitRepository, OCIRepository, Bucket, Helm sources). */
type ArtifactSourceObject = KubeObject & { spec: { suspend?: boolean } };

/**
 * The guards source-controller runs for every artifact source: read from the cache, remove the stored
 * artifacts when the object is gone or deleted (then its finalizer), nothing while suspended, the
 * queue's backoff on failure, and `lastHandledReconcileAt` echoed on every outcome. Spread it into the
 * reconciler's definition and add the kind's own context, steps and summary.
 */
export function artifactSourceGuards<T extends ArtifactSourceObject>(
  kind: string,
  o: ControllerDeps & { informer: Informer; storage: ArtifactStorage },
  outcomes: OutcomeSink,
) {
  const removeArtifacts = (namespace: string | undefined, name: string): Promise<void> =>
    o.storage.removeAll(kind, namespace ?? '', name);
  return {
    kind,
    client: o.client,
    recorder: o.recorder,
    logger: o.logger,
    outcomes,
    read: (req: Request): T | undefined => o.informer.get(`${req.namespace}/${req.name}`) as T | undefined,
    onMissing: (req: Request): Promise<void> => removeArtifacts(req.namespace, req.name),
    finalizer: Finalizer,
    finalize: async (obj: T): Promise<Result> => {
      await removeArtifacts(obj.metadata.namespace, obj.metadata.name);
      await removeFinalizer(o.client, obj, Finalizer);
      return {};
    },
    skip: (obj: T): boolean => obj.spec.suspend === true,
    fallbackReason: Reasons.Failed as string,
    retryAfterMs: (): 'backoff' => 'backoff',
    finishStatus: (ctx: { obj: KubeObject; status: { lastHandledReconcileAt?: string } }): void =>
      handledRequest(ctx.obj, ctx.status),
  };
}
