import { Labels, Reasons } from '../../../api/constants.ts';
import type { Kustomization } from '../../../api/kustomization.ts';
import type { ResourceInventory } from '../../../api/meta.ts';
import type { ChangeSet } from '../../../apply/changeset.ts';
import { ApplyError } from '../../../apply/errors.ts';
import { diffInventory, entryToRef, inventoryOf, sortEntries, type InventoryEntry } from '../../../apply/inventory.ts';
import { ResourceManager } from '../../../apply/apply.ts';
import type { KubeClient } from '../../../kube/client.ts';
import type { KubeObject } from '../../../kube/types.ts';
import { messageOf } from '../../shared.ts';
import { StepFailure } from '../step-failure.ts';

export const FIELD_MANAGER = 'kustomize-controller';

/** The owner labels Flux puts on everything a Kustomization applies. */
export function ownerLabels(ks: Kustomization): Record<string, string> {
  return { [Labels.kustomizeName]: ks.metadata.name, [Labels.kustomizeNamespace]: ks.metadata.namespace ?? '' };
}

export interface ApplyOutcome {
  changeSet: ChangeSet;
  inventory: ResourceInventory;
  /** Objects whose delete failed; they stay in the inventory and are retried. */
  pruneFailures: string[];
}

/**
 * Applies the objects in stages and prunes what left the source. When apply fails, nothing is
 * pruned and the inventory becomes old ∪ applied, so objects created before the failure are not orphaned.
 */
export async function applyAndPrune(opts: {
  ks: Kustomization;
  client: KubeClient;
  objects: KubeObject[];
  signal: AbortSignal;
  timeoutMs: number;
}): Promise<ApplyOutcome> {
  const { ks } = opts;
  const labels = ownerLabels(ks);
  const manager = new ResourceManager({ client: opts.client, fieldManager: FIELD_MANAGER, ownerLabels: labels });
  const previous: InventoryEntry[] = ks.status?.inventory?.entries ?? [];
  let changeSet: ChangeSet;
  try {
    changeSet = await manager.applyAllStaged(opts.objects, {
      force: ks.spec.force ?? false,
      waitTimeoutMs: opts.timeoutMs,
      signal: opts.signal,
    });
  } catch (err) {
    const partial = err instanceof ApplyError ? err.changeSet : { entries: [] };
    const applied = inventoryOf(partial.entries.filter((e) => e.action !== 'skipped').map((e) => e.ref));
    const merged = mergeEntries(previous, applied);
    throw new StepFailure(Reasons.ReconciliationFailed, messageOf(err), { cause: err, inventory: { entries: merged } });
  }
  const next = inventoryOf(opts.objects);
  const outcome: ApplyOutcome = { changeSet, inventory: { entries: next }, pruneFailures: [] };
  if (!ks.spec.prune) return outcome;
  const stale = diffInventory(previous, next);
  if (stale.length === 0) return outcome;
  const pruned = await manager.prune(stale.map(entryToRef), { ownerLabels: labels });
  outcome.changeSet = { entries: [...changeSet.entries, ...pruned.changeSet.entries] };
  if (pruned.failed.length) {
    const failedEntries = inventoryOf(pruned.failed);
    outcome.inventory = { entries: mergeEntries(next, failedEntries) };
    outcome.pruneFailures = pruned.failed.map((r) => `${r.kind}/${r.namespace ? r.namespace + '/' : ''}${r.name}`);
  }
  return outcome;
}

function mergeEntries(a: readonly InventoryEntry[], b: readonly InventoryEntry[]): InventoryEntry[] {
  const byId = new Map<string, InventoryEntry>();
  for (const e of [...a, ...b]) byId.set(e.id, e);
  return sortEntries([...byId.values()]);
}
