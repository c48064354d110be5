import { ConditionTypes, Reasons } from '../../../api/constants.ts';
import type { Kustomization } from '../../../api/kustomization.ts';
import type { ResourceInventory } from '../../../api/meta.ts';
import { waitForHealth } from '../../../apply/health.ts';
import { entryToRef } from '../../../apply/inventory.ts';
import type { KubeClient } from '../../../kube/client.ts';
import type { ObjectRef } from '../../../kube/types.ts';
import { messageOf } from '../../shared.ts';
import { ReconcileFailure } from '../../../runtime/reconcile/failure.ts';

/** The objects to health-check: everything applied when `wait`, else `healthChecks`. */
export function healthCheckTargets(ks: Kustomization, inventory: ResourceInventory): ObjectRef[] {
  if (ks.spec.wait) return inventory.entries.map(entryToRef);
  return (ks.spec.healthChecks ?? []).map((h) => ({
    apiVersion: h.apiVersion ?? '',
    kind: h.kind,
    name: h.name,
    namespace: h.namespace ?? ks.metadata.namespace ?? '',
  }));
}

/** Waits until all targets are Current; HealthCheckFailed when the timeout passes or one fails. */
export async function checkHealth(opts: {
  client: KubeClient;
  targets: ObjectRef[];
  timeoutMs: number;
  signal: AbortSignal;
}): Promise<number> {
  const started = Date.now();
  try {
    await waitForHealth(opts.client, opts.targets, { timeoutMs: opts.timeoutMs, signal: opts.signal });
  } catch (err) {
    if (opts.signal.aborted) throw err;
    throw new ReconcileFailure(Reasons.HealthCheckFailed, messageOf(err), {
      cause: err,
      conditions: [{ type: ConditionTypes.Healthy }],
    });
  }
  return Date.now() - started;
}
