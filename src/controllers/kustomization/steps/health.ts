import { ConditionTypes, Reasons } from '../../../api/constants.ts';
import type { CustomHealthCheck, Kustomization } from '../../../api/kustomization.ts';
import type { ResourceInventory } from '../../../api/meta.ts';
import { waitForHealth, type CustomStatus } from '../../../apply/health.ts';
import { compileHealthExprs, HealthExprCompileError } from '../../../apply/health-exprs.ts';
import type { HealthEvents } from '../../../apply/health-events.ts';
import { entryToRef } from '../../../apply/inventory.ts';
import type { KubeClient } from '../../../kube/client.ts';
import type { ObjectRef } from '../../../kube/types.ts';
import { messageOf } from '../../shared.ts';
import { ReconcileFailure } from '../../../runtime/reconcile/failure.ts';

/** The objects to health-check and, when `spec.healthCheckExprs` is set, the rules that judge them. */
export type HealthTargets = ObjectRef[] & { customStatus?: CustomStatus };

/**
 * The objects to health-check: everything applied when `wait`, else `healthChecks`; carries the compiled
 * `healthCheckExprs`. Throws a stalled `InvalidCELExpression` failure when an expression does not compile.
 */
export function healthCheckTargets(ks: Kustomization, inventory: ResourceInventory): HealthTargets {
  const refs: HealthTargets = ks.spec.wait
    ? inventory.entries.map(entryToRef)
    : (ks.spec.healthChecks ?? []).map((h) => ({
        apiVersion: h.apiVersion ?? '',
        kind: h.kind,
        name: h.name,
        namespace: h.namespace ?? ks.metadata.namespace ?? '',
      }));
  const customStatus = compileHealthCheckExprs(ks.spec.healthCheckExprs);
  if (customStatus) refs.customStatus = customStatus;
  return refs;
}

/**
 * Compiles `spec.healthCheckExprs` into a status rule (see compileHealthExprs). Throws a stalled
 * `InvalidCELExpression` failure when an expression does not compile.
 */
export function compileHealthCheckExprs(exprs: readonly CustomHealthCheck[] | undefined): CustomStatus | undefined {
  try {
    return compileHealthExprs(exprs);
  } catch (err) {
    if (!(err instanceof HealthExprCompileError)) throw err;
    throw new ReconcileFailure(Reasons.InvalidCELExpression, err.message, { stalled: true, cause: err });
  }
}

/** Waits until all targets are Current; HealthCheckFailed when the timeout passes or one fails. */
export async function checkHealth(opts: {
  client: KubeClient;
  targets: HealthTargets;
  timeoutMs: number;
  signal: AbortSignal;
  /** Watch events of the targets (re-read on change; the 2 s poll stays the fallback). */
  events?: HealthEvents | undefined;
}): Promise<number> {
  const started = Date.now();
  try {
    await waitForHealth(opts.client, opts.targets, {
      timeoutMs: opts.timeoutMs,
      signal: opts.signal,
      ...(opts.events ? { events: opts.events } : {}),
      ...(opts.targets.customStatus ? { customStatus: opts.targets.customStatus } : {}),
    });
  } catch (err) {
    if (opts.signal.aborted) throw err;
    throw new ReconcileFailure(Reasons.HealthCheckFailed, messageOf(err), {
      cause: err,
      conditions: [{ type: ConditionTypes.Healthy }],
    });
  }
  return Date.now() - started;
}
