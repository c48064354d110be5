// Flux's CEL health checks (`healthCheckExprs` of Kustomizations and HelmReleases) as a status rule for
// waitForHealth: which objects they judge and how.
import type { CustomHealthCheck } from '../api/kustomization.ts';
import type { KubeObject } from '../kube/types.ts';
import { CelCompileError, compileCel, type CelProgram } from '../util/cel.ts';
import { Status, type CustomStatus, type StatusResult } from './health.ts';

/** An expression of `healthCheckExprs` does not compile; the message names the entry and the field. */
export class HealthExprCompileError extends Error {
  override readonly name = 'HealthExprCompileError';
}

interface CompiledCheck {
  group: string;
  kind: string | undefined;
  rules: { status: Status; field: string; program: CelProgram }[];
}

const groupOf = (apiVersion: string): string => (apiVersion.includes('/') ? apiVersion.split('/')[0]! : '');

/**
 * Compiles `healthCheckExprs` into a status rule (undefined when there are none). As Flux: an entry
 * matches by API group (the version is ignored) and kind, a kind-specific entry wins over a group-only
 * one; `inProgress`, then `failed`, then `current` are evaluated with the object's top-level fields as
 * variables and the first true one decides; none true is InProgress; an evaluation error is Unknown
 * (the wait goes on until the timeout). Throws HealthExprCompileError.
 */
export function compileHealthExprs(exprs: readonly CustomHealthCheck[] | undefined): CustomStatus | undefined {
  if (!exprs?.length) return undefined;
  const checks: CompiledCheck[] = exprs.map((e, i) => {
    const rules: CompiledCheck['rules'] = [];
    const add = (status: Status, field: string, source: string | undefined): void => {
      if (source === undefined || source === '') return;
      try {
        rules.push({ status, field, program: compileCel(source) });
      } catch (err) {
        if (!(err instanceof CelCompileError)) throw err;
        throw new HealthExprCompileError(
          `spec.healthCheckExprs[${i}].${field} (${e.apiVersion}${e.kind ? ` ${e.kind}` : ''}): ${err.message}`,
          { cause: err },
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
        return {
          status: Status.Unknown,
          message: `healthCheckExprs ${rule.field}: ${err instanceof Error ? err.message : String(err)}`,
        };
      }
    }
    return { status: Status.InProgress, message: 'healthCheckExprs: no expression is true yet' };
  };
}
