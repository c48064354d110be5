// A HelmRelease's dependencies (dependsOn): each exists, has caught up with its generation and is Ready.
import { Reasons } from '../../api/constants.ts';
import { HelmReasons, type HelmRelease } from '../../api/helm-release.ts';
import { getCondition } from '../../runtime/conditions.ts';
import type { Informer } from '../../runtime/informer.ts';
import { ReconcileFailure } from '../../runtime/reconcile/failure.ts';
import { CelCompileError, compileCel } from '../../util/cel.ts';

/** Flux's HelmRelease dependency check: each dependency exists, has caught up with its generation and is Ready (or its readyExpr holds). */
export function checkDependencies(hr: HelmRelease, o: { informer: Informer; requeueDependencyMs: number }): void {
  for (const dep of hr.spec.dependsOn ?? []) {
    const name = `${dep.namespace ?? hr.metadata.namespace ?? ''}/${dep.name}`;
    let expr;
    if (dep.readyExpr) {
      try {
        expr = compileCel(dep.readyExpr, { variables: ['self', 'dep'] });
      } catch (err) {
        if (!(err instanceof CelCompileError)) throw err;
        throw new ReconcileFailure(
          Reasons.InvalidCELExpression,
          `failed to evaluate dependency ${dep.name}: ${err.message}`,
          { stalled: true },
        );
      }
    }
    const fail = (why: string): never => {
      throw new ReconcileFailure(HelmReasons.DependencyNotReady, why, {
        requeueAfterMs: o.requeueDependencyMs,
        event: 'info',
        waiting: true,
      });
    };
    const other = o.informer.get(name) as HelmRelease | undefined;
    if (!other)
      return fail(`unable to get '${name}' dependency: HelmRelease.helm.toolkit.fluxcd.io "${dep.name}" not found`);
    if (expr) {
      let ok = false;
      try {
        ok = expr.evaluateBool({ self: hr, dep: other });
      } catch {
        ok = false;
      }
      if (!ok) fail(`dependency '${name}' is not ready according to readyExpr eval`);
      continue;
    }
    if (!other.status?.conditions?.length || other.metadata.generation !== other.status.observedGeneration) {
      fail(`dependency '${name}' is not ready`);
    }
    if (getCondition(other as never, 'Ready')?.status !== 'True') fail(`dependency '${name}' is not ready`);
  }
}
