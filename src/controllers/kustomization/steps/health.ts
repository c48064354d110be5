import { ConditionTypes, Reasons } from '../../../api/constants.ts';
import type { CustomHealthCheck, Kustomization } from '../../../api/kustomization.ts';
import type { ResourceInventory } from '../../../api/meta.ts';
import { Status, waitForHealth, type CustomStatus, type StatusResult } from '../../../apply/health.ts';
import type { HealthEvents } from '../../../apply/health-events.ts';
import { entryToRef } from '../../../apply/inventory.ts';
import type { KubeClient } from '../../../kube/client.ts';
import type { KubeObject, ObjectRef } from '../../../kube/types.ts';
import { messageOf } from '../../shared.ts';
import { ReconcileFailure } from '../../../runtime/reconcile/failure.ts';
import { CelCompileError, compileCel, type CelProgram } from '../../../util/cel.ts';

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

interface CompiledCheck {
  group: string;
  kind: string | undefined;
  rules: { status: Status; field: string; program: CelProgram }[];
}

const groupOf = (apiVersion: string): string => (apiVersion.includes('/') ? apiVersion.split('/')[0]! : '');

/**
 * Compiles `spec.healthCheckExprs` into a status rule (undefined when there are none). As Flux: an entry
 * matches by API group (the version is ignored) and kind, a kind-specific entry wins over a group-only
 * one; `inProgress`, then `failed`, then `current` are evaluated with the object's top-level fields as
 * variables and the first true one decides; none true is InProgress; an evaluation error is Unknown
 * (the wait goes on until the timeout). Throws a stalled `InvalidCELExpression` failure.
 */
export function compileHealthCheckExprs(exprs: readonly CustomHealthCheck[] | undefined): CustomStatus | undefined {
  if (!exprs?.length) return undefined;
  const checks: CompiledCheck[] = exprs.map((e, i) => {
    const rules: CompiledCheck['rules'] = [];
    const add = (status: Status, field: string, source: string | undefined): void => {
      if (source === undefined || source === '') return;
      try {
        rules.push({ status, field, program: compileCel(source) });
      } catch (err) {
        if (!(err instanceof CelCompileError)) throw err;
        throw new ReconcileFailure(
          Reasons.InvalidCELExpression,
          `spec.healthCheckExprs[${i}].${field} (${e.apiVersion}${e.kind ? ` ${e.kind}` : ''}): ${err.message}`,
          { stalled: true, cause: err },
        );
      }
    };
    add(Status.InProgress, 'inProgress', e.inProgress);
    add(Status.Failed, 'failed', e.failed);
    add(Status.Current, 'current', e.current);
    return { group: groupOf(e.apiVersion), kind: e.kind || undefined, rules };
  });
  return (obj: KubeObject): StatusResult | undefined => {
    const group = groupOf(obj.apiVersion);
    const check =
      checks.find((c) => c.group === group && c.kind === obj.kind) ??
      checks.find((c) => c.group === group && c.kind === undefined);
    if (!check) return undefined;
    const vars = obj as unknown as Record<string, unknown>;
    for (const rule of check.rules) {
      try {
        if (rule.program.evaluateBool(vars)) {
          return { status: rule.status, message: `healthCheckExprs: ${rule.field} expression is true` };
        }
      } catch (err) {
        return { status: Status.Unknown, message: `healthCheckExprs ${rule.field}: ${messageOf(err)}` };
      }
    }
    return { status: Status.InProgress, message: 'healthCheckExprs: no expression is true yet' };
  };
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
