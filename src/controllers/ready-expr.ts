// `dependsOn[].readyExpr`, as Kustomizations and HelmReleases both take it: a CEL expression over `self` (the
// dependent object) and `dep` (the dependency) that decides readiness instead of the Ready condition (Flux's
// default, without the AdditiveCELDependencyCheck gate). One compile and one evaluation for both kinds; each
// reconciler words its own conditions, as kustomize-controller and helm-controller do.
import { compileCel, type CelProgram } from '../util/cel.ts';

/** Compiles a readyExpr with the variables `self` and `dep`; throws CelCompileError when it does not compile. */
export function compileReadyExpr(source: string): CelProgram {
  return compileCel(source, { variables: ['self', 'dep'] });
}

/**
 * Whether `dep` is ready for `self` by the expression. An evaluation that fails (a field the dependency does
 * not have yet, such as its status) is not ready, with the reason in `error`: a dependency's state, not a
 * spec error.
 */
export function evaluateReadyExpr(program: CelProgram, self: object, dep: object): { ready: boolean; error?: string } {
  try {
    return { ready: program.evaluateBool({ self, dep }) };
  } catch (err) {
    return { ready: false, error: (err as Error).message };
  }
}
