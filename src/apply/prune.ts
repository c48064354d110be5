import type { KubeClient } from '../kube/client.ts';
import type { KubeObject, ObjectRef } from '../kube/types.ts';
import { Action, changeEntry, type ChangeSet } from './changeset.ts';
import { objectFailure, type ObjectFailure } from './errors.ts';
import { pruneSkipReason, type ApplyPolicy, type MetadataSelector } from './policy.ts';
import { mapSettled } from './pool.ts';
import { sortForDeletion } from './sort.ts';

/** The outcome of a prune: what was deleted or skipped, and what could not be deleted (keep those in the inventory). */
export interface DeleteResult {
  changeSet: ChangeSet;
  failed: ObjectRef[];
  failures: ObjectFailure[];
}

export interface DeleteObjectsOptions {
  client: KubeClient;
  policy: ApplyPolicy;
  /** Required labels (exact match); `{}` matches any object. */
  ownerLabels: MetadataSelector;
  /** Parallel deletions (default 4). */
  concurrency?: number;
  signal?: AbortSignal | undefined;
}

async function deleteOne(ref: ObjectRef, opts: DeleteObjectsOptions): Promise<Action> {
  opts.signal?.throwIfAborted();
  let existing: KubeObject | undefined;
  try {
    existing = await opts.client.get(ref, { metadataOnly: true });
  } catch (err) {
    // The kind is no longer served (its CRD is gone), so no instance can remain.
    if ((err as { reason?: string }).reason === 'NoKindMatch') return Action.Deleted;
    throw err;
  }
  if (!existing) return Action.Deleted;
  if (pruneSkipReason(existing, opts.ownerLabels, opts.policy)) return Action.Skipped;
  await opts.client.delete(ref, { propagationPolicy: 'Background' });
  return Action.Deleted;
}

/**
 * Deletes objects in reverse apply order with background propagation, skipping those without
 * the owner labels or excluded by the policy. Objects already gone count as deleted; a failed
 * delete (RBAC, admission webhook, abort) is returned in `failed`, never thrown.
 */
export async function deleteObjects(refs: readonly ObjectRef[], opts: DeleteObjectsOptions): Promise<DeleteResult> {
  const ordered = sortForDeletion(refs);
  const results = await mapSettled(ordered, (ref) => deleteOne(ref, opts), opts.concurrency ?? 4);
  const result: DeleteResult = { changeSet: { entries: [] }, failed: [], failures: [] };
  results.forEach((r, i) => {
    const ref = ordered[i] as ObjectRef;
    if (r.value) result.changeSet.entries.push(changeEntry(ref, r.value));
    else {
      result.failed.push(ref);
      result.failures.push(objectFailure(ref, `delete failed: ${(r.error as Error).message}`));
    }
  });
  return result;
}
