// `Provider.spec.commitStatusExpr`: a CEL expression (full CEL, via src/util/cel.ts) that builds the
// commit status context. As Flux, the variables are `event` (the Flux event, metadata keys merged and
// prefixes stripped), `provider` (`{metadata: {name, namespace, uid}}`) and `alert`
// (`{metadata: {name, namespace}}`); any other name is refused when the notifier is built.
import { CelCompileError, CelEvalError, compileCel } from '../../util/cel.ts';

/** An expression that does not compile, or that fails on an event or does not return a string. */
export class CommitStatusExprError extends Error {
  override readonly name: string = 'CommitStatusExprError';
}

/** A compiled expression; `evaluate` returns the context string or throws `CommitStatusExprError`. */
export interface CommitStatusExpr {
  evaluate(vars: Record<string, unknown>): string;
}

const VARIABLES = ['event', 'provider', 'alert'] as const;

/** Compiles `source`; throws `CommitStatusExprError` with the parser's position or the unknown variable. */
export function parseCommitStatusExpr(source: string): CommitStatusExpr {
  let program: ReturnType<typeof compileCel>;
  try {
    program = compileCel(source, { variables: VARIABLES });
  } catch (err) {
    if (!(err instanceof CelCompileError)) throw err;
    throw new CommitStatusExprError(`commitStatusExpr: ${err.message}`, { cause: err });
  }
  return {
    evaluate(vars) {
      try {
        return program.evaluateString(vars);
      } catch (err) {
        if (!(err instanceof CelEvalError)) throw err;
        throw new CommitStatusExprError(`commitStatusExpr: ${err.message}`, { cause: err });
      }
    },
  };
}
