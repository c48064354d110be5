import { Reasons } from '../../../api/constants.ts';
import { formatDuration } from '../../../api/duration.ts';
import type { Kustomization } from '../../../api/kustomization.ts';
import { getCondition } from '../../../runtime/conditions.ts';
import type { Informer } from '../../../runtime/informer.ts';
import { ReconcileFailure } from '../../../runtime/reconcile/failure.ts';
import { CelCompileError, type CelProgram } from '../../../util/cel.ts';
import { compileReadyExpr as compileCelReadyExpr, evaluateReadyExpr } from '../../ready-expr.ts';
import { compileHealthCheckExprs } from './health.ts';
import { sourceKey } from './source.ts';

const invalidCel = (message: string, cause: unknown): ReconcileFailure =>
  new ReconcileFailure(Reasons.InvalidCELExpression, message, { stalled: true, cause });

/** Compiles `readyExpr` (variables `self`, the Kustomization, and `dep`, the dependency), as Flux. */
function compileReadyExpr(source: string, depName: string): CelProgram {
  try {
    return compileCelReadyExpr(source);
  } catch (err) {
    if (!(err instanceof CelCompileError)) throw err;
    throw invalidCel(`failed to evaluate dependency ${depName}: ${err.message}`, err);
  }
}

/**
 * Flux's built-in dependency check: each `dependsOn` Kustomization exists, has caught up with its
 * generation, is Ready, and, when it uses the same source, has applied the same revision. A dependency
 * with `readyExpr` is ready when that CEL expression is true instead (Flux's default, without the
 * AdditiveCELDependencyCheck gate). Every CEL expression of the spec, `healthCheckExprs` included, is
 * compiled first, since Flux refuses an invalid one before doing anything: a stalled `InvalidCELExpression`.
 */
export function checkDependencies(opts: {
  ks: Kustomization;
  informer: Informer;
  revision: string;
  requeueDependencyMs: number;
}): void {
  const { ks } = opts;
  compileHealthCheckExprs(ks.spec.healthCheckExprs);
  const deps = (ks.spec.dependsOn ?? []).map((dep) => {
    const ns = dep.namespace ?? ks.metadata.namespace ?? '';
    const name = `${ns}/${dep.name}`;
    return { name, readyExpr: dep.readyExpr ? compileReadyExpr(dep.readyExpr, name) : undefined };
  });
  const mySource = sourceKey(ks);
  for (const { name, readyExpr } of deps) {
    const fail = (why: string): never => {
      throw new ReconcileFailure(Reasons.DependencyNotReady, `dependency '${name}' ${why}`, {
        requeueAfterMs: opts.requeueDependencyMs,
        event: 'info',
        eventMessage: `Dependencies do not meet ready condition, retrying in ${formatDuration(opts.requeueDependencyMs)}`,
        waiting: true,
      });
    };
    const other = opts.informer.get(name) as Kustomization | undefined;
    if (!other) fail('not found');
    const d = other!;
    if (readyExpr) {
      const { ready, error } = evaluateReadyExpr(readyExpr, ks, d);
      if (error !== undefined) fail(`is not ready: readyExpr: ${error}`);
      if (!ready) fail('is not ready according to readyExpr eval');
      continue;
    }
    const ready = getCondition(d as never, 'Ready');
    if (!ready || d.metadata.generation !== d.status?.observedGeneration) fail('is not ready');
    if (ready?.status !== 'True') fail('is not ready');
    const depSource = sourceKey(d);
    const sameSource =
      depSource.kind === mySource.kind &&
      depSource.namespace === mySource.namespace &&
      depSource.name === mySource.name;
    if (sameSource && d.status?.lastAppliedRevision !== opts.revision) {
      fail(`is not ready: it has not applied revision '${opts.revision}' yet`);
    }
  }
}
