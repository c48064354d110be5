// Server-side apply of the generated objects and garbage collection of what left the instance's inventory.
import { Reasons } from '../../api/constants.ts';
import { FluxInstanceLabels, type FluxInstance } from '../../api/flux-instance.ts';
import type { ResourceInventory } from '../../api/meta.ts';
import { ResourceManager } from '../../apply/apply.ts';
import type { ChangeSet } from '../../apply/changeset.ts';
import { defaultCleanup } from '../../apply/cleanup.ts';
import { ApplyError } from '../../apply/errors.ts';
import { diffInventory, entryToRef, inventoryOf, sortEntries, type InventoryEntry } from '../../apply/inventory.ts';
import type { KubeClient } from '../../kube/client.ts';
import { describeRef, type KubeObject } from '../../kube/types.ts';
import { messageOf } from '../shared.ts';
import { InstanceFailure } from './errors.ts';

/** Field manager of everything a FluxInstance applies: the Flux Operator's, so either can take the objects over. */
export const FIELD_MANAGER = 'flux-operator';

/** The owner labels on every generated object; prune deletes only objects that still carry them. */
export function instanceOwnerLabels(instance: Pick<FluxInstance, 'metadata'>): Record<string, string> {
  return {
    [FluxInstanceLabels.name]: instance.metadata.name,
    [FluxInstanceLabels.namespace]: instance.metadata.namespace ?? '',
  };
}

/** The apply/prune library set up for one instance (fields of the `flux` CLI's bootstrap are taken over). */
export function instanceResourceManager(client: KubeClient, instance: Pick<FluxInstance, 'metadata'>): ResourceManager {
  return new ResourceManager({
    client,
    fieldManager: FIELD_MANAGER,
    ownerLabels: instanceOwnerLabels(instance),
    cleanup: defaultCleanup(FIELD_MANAGER, ['flux']),
  });
}

/** What the apply changed and the inventory to record. */
export interface ApplyOutcome {
  changeSet: ChangeSet;
  inventory: ResourceInventory;
}

/**
 * Applies `objects` and prunes inventory entries that are no longer generated (e.g. `spec.sync` removed).
 * On failure throws InstanceFailure(ReconciliationFailed) carrying in `inventory` what must stay recorded:
 * the old entries plus whatever was applied, or the new entries plus the objects whose delete failed.
 */
export async function applyAndPrune(opts: {
  instance: FluxInstance;
  client: KubeClient;
  objects: KubeObject[];
  signal: AbortSignal;
}): Promise<ApplyOutcome> {
  const { instance } = opts;
  const manager = instanceResourceManager(opts.client, instance);
  const previous: InventoryEntry[] = instance.status?.inventory?.entries ?? [];
  let changeSet: ChangeSet;
  try {
    changeSet = await manager.applyAllStaged(opts.objects, { signal: opts.signal });
  } catch (err) {
    if (opts.signal.aborted) throw err;
    const partial = err instanceof ApplyError ? err.changeSet : { entries: [] };
    const applied = inventoryOf(partial.entries.filter((e) => e.action !== 'skipped').map((e) => e.ref));
    throw new ApplyStepFailure(`reconciliation failed: ${messageOf(err)}`, merge(previous, applied), err);
  }
  const next = inventoryOf(opts.objects);
  const stale = diffInventory(previous, next);
  if (stale.length === 0) return { changeSet, inventory: { entries: next } };
  const pruned = await manager.prune(stale.map(entryToRef));
  const outcome = {
    changeSet: { entries: [...changeSet.entries, ...pruned.changeSet.entries] },
    inventory: { entries: next },
  };
  if (pruned.failed.length) {
    const kept = merge(next, inventoryOf(pruned.failed));
    throw new ApplyStepFailure(
      `garbage collection failed for ${pruned.failed.map(describeRef).join(', ')} (kept in the inventory, will retry): ${pruned.failures.map((f) => f.message).join('; ')}`,
      kept,
      undefined,
      outcome.changeSet,
    );
  }
  return outcome;
}

/** An apply or prune failure with the inventory and change set to record anyway. */
export class ApplyStepFailure extends InstanceFailure {
  readonly inventory: ResourceInventory;
  readonly changeSet: ChangeSet;

  constructor(message: string, entries: InventoryEntry[], cause?: unknown, changeSet: ChangeSet = { entries: [] }) {
    super(Reasons.ReconciliationFailed, message, cause === undefined ? {} : { cause });
    this.inventory = { entries };
    this.changeSet = changeSet;
  }
}

function merge(a: readonly InventoryEntry[], b: readonly InventoryEntry[]): InventoryEntry[] {
  return sortEntries([...a, ...b]);
}
