// One place where Driftless compiles and runs CEL (on @bufbuild/cel), so that every field that takes an
// expression (healthCheckExprs, readyExpr, commitStatusExpr, Receiver filters) behaves the same way.
// The library (with protobuf-es under it, ~15 MiB of resident memory) is loaded on the first expression, not at
// start: most installations never use CEL, and an idle manager should not carry it.
import type * as CelLib from '@bufbuild/cel';
import type { CelValue } from '@bufbuild/cel';
import type * as CelExt from '@bufbuild/cel/ext';
import { lazyModule } from './lazy-module.ts';

/** An expression that does not parse, or that names a variable it is not given (Flux's `InvalidCELExpression`). */
export class CelCompileError extends Error {
  override readonly name = 'CelCompileError';
  readonly reason = 'InvalidCELExpression';
}

/** An expression that failed on its input (a missing field, a type mismatch) or returned the wrong type. */
export class CelEvalError extends Error {
  override readonly name = 'CelEvalError';
}

/** A compiled expression; each method throws `CelEvalError` when evaluation fails. */
export interface CelProgram {
  readonly source: string;
  /** The result as plain JSON-like data (CEL ints become numbers). */
  evaluate(bindings: Readonly<Record<string, unknown>>): unknown;
  /** The result, which must be a bool. */
  evaluateBool(bindings: Readonly<Record<string, unknown>>): boolean;
  /** The result, which must be a string. */
  evaluateString(bindings: Readonly<Record<string, unknown>>): string;
}

type Cel = typeof CelLib & { env: ReturnType<typeof CelLib.celEnv> };
let loaded: Cel | undefined;

/** The CEL library and Driftless's environment, loaded once. */
function cel(): Cel {
  if (loaded) return loaded;
  const lib = lazyModule<typeof CelLib>('@bufbuild/cel')();
  const { strings } = lazyModule<typeof CelExt>('@bufbuild/cel/ext')();
  const { celMethod, listType, CelScalar } = lib;
  // cel-go's optional-list helpers that Flux's documented commitStatusExpr uses (`split('-').first().value()`);
  // here first()/last() return the element itself and value() passes it through.
  const listHelpers = [
    celMethod('first', listType(CelScalar.DYN), [], CelScalar.DYN, function () {
      if (this.size === 0) throw new Error('first() of an empty list');
      return this.get(0) as never;
    }),
    celMethod('last', listType(CelScalar.DYN), [], CelScalar.DYN, function () {
      if (this.size === 0) throw new Error('last() of an empty list');
      return this.get(this.size - 1) as never;
    }),
    celMethod('value', CelScalar.DYN, [], CelScalar.DYN, function () {
      return this as never;
    }),
  ];
  loaded = { ...lib, env: lib.celEnv({ funcs: [...strings, ...listHelpers] }) };
  return loaded;
}

/**
 * Parses `source`. With `variables`, a free identifier outside that list is a compile error, as in
 * Flux's checked environments; without it, any identifier is looked up in the bindings at run time
 * (healthCheckExprs bind the object's top-level fields). Throws `CelCompileError`.
 */
export function compileCel(source: string, opts: { variables?: readonly string[] } = {}): CelProgram {
  if (!source.trim()) throw new CelCompileError('empty CEL expression');
  const { parse, plan, env, isCelError } = cel();
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(source);
  } catch (err) {
    throw new CelCompileError(`failed to parse '${source}': ${(err as Error).message}`);
  }
  if (opts.variables) {
    const allowed = new Set(opts.variables);
    const unknown = [...freeIdents(parsed.expr, new Set())].filter((n) => !allowed.has(n));
    if (unknown.length) {
      throw new CelCompileError(
        `'${source}': undeclared reference to '${unknown.join("', '")}' (available: ${opts.variables.join(', ')})`,
      );
    }
  }
  let run: (ctx: Record<string, never>) => unknown;
  try {
    run = plan(env, parsed) as never;
  } catch (err) {
    throw new CelCompileError(`failed to compile '${source}': ${(err as Error).message}`);
  }
  const evaluate = (bindings: Readonly<Record<string, unknown>>): CelValue => {
    const input = Object.fromEntries(Object.entries(bindings).map(([k, v]) => [k, toCel(v)]));
    let out: unknown;
    try {
      out = run(input as never);
    } catch (err) {
      throw new CelEvalError(`'${source}': ${(err as Error).message}`);
    }
    if (isCelError(out)) throw new CelEvalError(`'${source}': ${out.message}`);
    return out as CelValue;
  };
  return {
    source,
    evaluate: (b) => fromCel(evaluate(b)),
    evaluateBool(b) {
      const out = evaluate(b);
      if (typeof out !== 'boolean') throw new CelEvalError(`'${source}': must return a bool, got ${describe(out)}`);
      return out;
    },
    evaluateString(b) {
      const out = evaluate(b);
      if (typeof out !== 'string') throw new CelEvalError(`'${source}': must return a string, got ${describe(out)}`);
      return out;
    },
  };
}

const describe = (v: unknown): string => (cel().isCelList(v) ? 'a list' : cel().isCelMap(v) ? 'a map' : typeof v);

// JSON integers are CEL ints (as cel-go sees unstructured Kubernetes objects), not doubles.
function toCel(v: unknown): unknown {
  if (typeof v === 'number') return Number.isSafeInteger(v) ? BigInt(v) : v;
  if (Array.isArray(v)) return v.map(toCel);
  if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, toCel(x)]));
  }
  return v === undefined ? null : v;
}

function fromCel(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  const { isCelList, isCelMap } = cel();
  if (isCelList(v)) return [...v].map(fromCel);
  if (isCelMap(v)) return Object.fromEntries([...v.entries()].map(([k, x]) => [String(k), fromCel(x)]));
  return v;
}

interface ExprNode {
  exprKind: { case?: string; value?: unknown };
}

// The identifiers an expression reads from its bindings (comprehension variables excluded).
function freeIdents(node: ExprNode | undefined, bound: ReadonlySet<string>, out = new Set<string>()): Set<string> {
  if (!node) return out;
  const v = node.exprKind.value as Record<string, unknown> | undefined;
  switch (node.exprKind.case) {
    case 'identExpr': {
      const name = (v as { name: string }).name;
      if (!bound.has(name)) out.add(name);
      break;
    }
    case 'selectExpr':
      freeIdents(v?.operand as ExprNode, bound, out);
      break;
    case 'callExpr':
      freeIdents(v?.target as ExprNode | undefined, bound, out);
      for (const a of (v?.args as ExprNode[]) ?? []) freeIdents(a, bound, out);
      break;
    case 'listExpr':
      for (const e of (v?.elements as ExprNode[]) ?? []) freeIdents(e, bound, out);
      break;
    case 'structExpr':
      for (const e of (v?.entries as { mapKey?: ExprNode; value?: ExprNode }[]) ?? []) {
        freeIdents(e.mapKey, bound, out);
        freeIdents(e.value, bound, out);
      }
      break;
    case 'comprehensionExpr': {
      const c = v as Record<string, unknown>;
      freeIdents(c.iterRange as ExprNode, bound, out);
      freeIdents(c.accuInit as ExprNode, bound, out);
      const inner = new Set(bound);
      for (const n of [c.iterVar, c.iterVar2, c.accuVar]) if (typeof n === 'string' && n) inner.add(n);
      freeIdents(c.loopCondition as ExprNode, inner, out);
      freeIdents(c.loopStep as ExprNode, inner, out);
      freeIdents(c.result as ExprNode, inner, out);
      break;
    }
    default:
      break;
  }
  return out;
}
