// Staged apply of a set of objects and garbage collection of what left their owner's inventory.
import type { ResourceInventory } from '../api/meta.ts';
import { describeRef, type KubeObject, type ObjectRef } from '../kube/types.ts';
import type { ResourceManager } from './apply.ts';
import type { ChangeSet } from './changeset.ts';
import { ApplyError, type ObjectFailure } from './errors.ts';
import { diffInventory, entryToRef, inventoryOf, sortEntries, type InventoryEntry } from './inventory.ts';

export interface ApplyAndPruneOptions {
  /** The apply library set up with the owner's field manager, owner labels and cleanup rules. */
  manager: ResourceManager;
  objects: readonly KubeObject[];
  /** The owner's inventory before this apply. */
  previous: readonly InventoryEntry[];
  /** Delete what left the inventory (Kustomization `spec.prune`; always for a FluxInstance). */
  prune: boolean;
  /** Recreate objects whose immutable fields changed. */
  force?: boolean;
  /** How long to wait for CRDs and Namespaces of an early stage to be established. */
  waitTimeoutMs?: number;
  signal: AbortSignal;
}

/** What was applied and pruned, and the inventory to record. */
export interface ApplyAndPruneResult {
  changeSet: ChangeSet;
  inventory: ResourceInventory;
  /** Objects whose delete failed: they stay in the inventory, to be retried. */
  pruneFailures: ObjectFailure[];
}

/**
 * Apply failed part way: carries the inventory to record anyway (the previous entries plus whatever
 * was applied, so nothing created before the failure is orphaned) and the change set of what was done.
 */
export class ApplyAndPruneError extends Error {
  override readonly name = 'ApplyAndPruneError';
  readonly inventory: ResourceInventory;
  readonly changeSet: ChangeSet;

  constructor(opts: { message: string; inventory: ResourceInventory; changeSet: ChangeSet; cause: unknown }) {
    super(opts.message, { cause: opts.cause });
    this.inventory = opts.inventory;
    this.changeSet = opts.changeSet;
  }
}

/**
 * Applies `objects` in stages, then (when `prune`) deletes the previous inventory's objects that are no
 * longer desired. Never prunes after a failed apply: that throws ApplyAndPruneError. A failed delete does
 * not throw: the object stays in the inventory and is listed in `pruneFailures`. An abort is rethrown as is.
 */
export async function applyAndPrune(opts: ApplyAndPruneOptions): Promise<ApplyAndPruneResult> {
  let changeSet: ChangeSet;
  try {
    changeSet = await opts.manager.applyAllStaged(opts.objects, {
      force: opts.force ?? false,
      ...(opts.waitTimeoutMs !== undefined ? { waitTimeoutMs: opts.waitTimeoutMs } : {}),
      signal: opts.signal,
    });
  } catch (err) {
    if (opts.signal.aborted) throw err;
    const partial = err instanceof ApplyError ? err.changeSet : { entries: [] };
    const applied = inventoryOf(partial.entries.filter((e) => e.action !== 'skipped').map((e) => e.ref));
    throw new ApplyAndPruneError({
      message: err instanceof Error ? err.message : String(err),
      inventory: { entries: sortEntries([...opts.previous, ...applied]) },
      changeSet: partial,
      cause: err,
    });
  }
  const next = inventoryOf(opts.objects);
  const result: ApplyAndPruneResult = { changeSet, inventory: { entries: next }, pruneFailures: [] };
  if (!opts.prune) return result;
  const stale = diffInventory(opts.previous, next);
  if (stale.length === 0) return result;
  const pruned = await opts.manager.prune(stale.map(entryToRef), { signal: opts.signal });
  result.changeSet = { entries: [...changeSet.entries, ...pruned.changeSet.entries] };
  if (pruned.failed.length) {
    result.inventory = { entries: sortEntries([...next, ...inventoryOf(pruned.failed)]) };
    result.pruneFailures = pruned.failures;
  }
  return result;
}

/** `Kind/ns/name` of each object, joined, for messages. */
export const describeRefs = (refs: readonly ObjectRef[]): string => refs.map(describeRef).join(', ');
