import { Labels, Reasons } from '../../../api/constants.ts';
import type { Kustomization, KustomizationStatus } from '../../../api/kustomization.ts';
import { ResourceManager } from '../../../apply/apply.ts';
import type { AppliedMemory } from '../../../apply/applied-memory.ts';
import { applyAndPrune, ApplyAndPruneError, type ApplyAndPruneResult } from '../../../apply/apply-and-prune.ts';
import { compileIgnoreRules, IgnoreRuleError, type CompiledIgnoreRule } from '../../../apply/ignore-rules.ts';
import type { KubeClient } from '../../../kube/client.ts';
import type { KubeObject } from '../../../kube/types.ts';
import { ReconcileFailure } from '../../../runtime/reconcile/failure.ts';

export const FIELD_MANAGER = 'kustomize-controller';
const APPLY_CONCURRENCY = 10;

/** The owner labels Flux puts on everything a Kustomization applies. */
export function ownerLabels(ks: Kustomization): Record<string, string> {
  return { [Labels.kustomizeName]: ks.metadata.name, [Labels.kustomizeNamespace]: ks.metadata.namespace ?? '' };
}

/** The apply library set up for one Kustomization (acting as its service account when `client` impersonates). */
export function kustomizationResourceManager(
  client: KubeClient,
  ks: Kustomization,
  memory?: AppliedMemory,
  ignore?: readonly CompiledIgnoreRule[],
): ResourceManager {
  return new ResourceManager({
    client,
    fieldManager: FIELD_MANAGER,
    ownerLabels: ownerLabels(ks),
    // Independent reads, dry-runs and applies in flight per Kustomization; fairness is the API server's
    // (Priority and Fairness), and connections are pooled.
    concurrency: APPLY_CONCURRENCY,
    ...(memory ? { memory } : {}),
    ...(ignore?.length ? { ignore } : {}),
  });
}

/**
 * `spec.ignore` checked and compiled; a bad pointer or selector fails the reconcile with
 * ReconciliationFailed (Flux fails the apply on a bad selector), before anything is applied.
 */
export function kustomizationIgnoreRules(ks: Kustomization): CompiledIgnoreRule[] {
  try {
    return compileIgnoreRules(ks.spec.ignore ?? [], 'spec.ignore');
  } catch (err) {
    if (!(err instanceof IgnoreRuleError)) throw err;
    throw new ReconcileFailure<KustomizationStatus>(Reasons.ReconciliationFailed, err.message, { cause: err });
  }
}

/**
 * Applies the objects in stages and prunes what left the source (when `spec.prune`). A failed apply
 * prunes nothing and fails with ReconciliationFailed, recording old ∪ applied as the inventory so that
 * objects created before the failure are not orphaned. A failed delete keeps the object in the inventory.
 */
export async function applyKustomization(opts: {
  ks: Kustomization;
  client: KubeClient;
  objects: KubeObject[];
  signal: AbortSignal;
  timeoutMs: number;
  /** What was applied before (see AppliedMemory): unchanged objects cost no request. */
  memory?: AppliedMemory | undefined;
}): Promise<ApplyAndPruneResult> {
  const { ks } = opts;
  const ignore = kustomizationIgnoreRules(ks);
  // The applied memory knows the desired content, not the rules: with rules every object is planned.
  const memory = ignore.length ? undefined : opts.memory;
  try {
    return await applyAndPrune({
      manager: kustomizationResourceManager(opts.client, ks, memory, ignore),
      objects: opts.objects,
      previous: ks.status?.inventory?.entries ?? [],
      prune: ks.spec.prune ?? false,
      force: ks.spec.force ?? false,
      waitTimeoutMs: opts.timeoutMs,
      signal: opts.signal,
    });
  } catch (err) {
    if (!(err instanceof ApplyAndPruneError)) throw err;
    throw new ReconcileFailure<KustomizationStatus>(Reasons.ReconciliationFailed, err.message, {
      cause: err,
      record: { inventory: err.inventory },
    });
  }
}
