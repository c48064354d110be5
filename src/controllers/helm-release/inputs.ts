// A HelmRelease's inputs: the identity helm acts as, and its dependencies (dependsOn) as helm-controller's
// checkDependencies sees them: each exists, then either its readyExpr holds or it is caught up and Ready.
import { Reasons } from '../../api/constants.ts';
import { HelmReasons, type HelmRelease } from '../../api/helm-release.ts';
import { getCondition } from '../../runtime/conditions.ts';
import type { Informer } from '../../runtime/informer.ts';
import { ReconcileFailure } from '../../runtime/reconcile/failure.ts';
import { CelCompileError } from '../../util/cel.ts';
import { compileReadyExpr, evaluateReadyExpr } from '../ready-expr.ts';

/**
 * Throws DependencyNotReady (requeued after `requeueDependencyMs`, a Normal event) for the first dependency
 * that is missing or not ready; a readyExpr that does not compile stalls the release InvalidCELExpression
 * (helm-controller compiles it once the dependency is found, and names the dependency without namespace).
 */
export function checkDependencies(hr: HelmRelease, o: { informer: Informer; requeueDependencyMs: number }): void {
  for (const dep of hr.spec.dependsOn ?? []) {
    const name = `${dep.namespace ?? hr.metadata.namespace ?? ''}/${dep.name}`;
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
    if (dep.readyExpr) {
      let expr;
      try {
        expr = compileReadyExpr(dep.readyExpr);
      } catch (err) {
        if (!(err instanceof CelCompileError)) throw err;
        const message = `failed to evaluate dependency ${dep.name}: ${err.message}`;
        throw new ReconcileFailure(
          Reasons.InvalidCELExpression,
          `Reconciliation failed terminally due to configuration error: ${message}`,
          { stalled: true, eventMessage: message, cause: err },
        );
      }
      const { ready, error } = evaluateReadyExpr(expr, hr, other);
      // helm-controller reports an evaluation error as it is (not ready, retried).
      if (error !== undefined) fail(error);
      if (!ready) fail(`dependency '${name}' is not ready according to readyExpr eval`);
      continue;
    }
    if (!other.status?.conditions?.length || other.metadata.generation !== other.status.observedGeneration) {
      fail(`dependency '${name}' is not ready`);
    }
    if (getCondition(other as never, 'Ready')?.status !== 'True') fail(`dependency '${name}' is not ready`);
  }
}

/** The impersonated user of `spec.serviceAccountName` (or the default service account), for helm. */
export function serviceAccountUser(hr: HelmRelease, defaultServiceAccount?: string): string | undefined {
  const sa = hr.spec.serviceAccountName || defaultServiceAccount;
  return sa ? `system:serviceaccount:${hr.metadata.namespace ?? ''}:${sa}` : undefined;
}
