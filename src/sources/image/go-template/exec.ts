// Executes a parsed Go text/template (see parse.ts) against GoStruct/GoMap data, with Go's semantics for
// fields, variables, pipelines, truth, range order and `<no value>`; errors worded as Go's.
import { callFunction, hasFunction } from './funcs.ts';
import { parseTemplate, type Arg, type Node, type Pipeline } from './parse.ts';
import { GoMap, GoStruct, Missing, formatValue, goTypeOf, truthy } from './values.ts';

/** A template that failed while running (Go's `template: <name>:<line>: executing … at <…>: …`). */
export class TemplateExecError extends Error {
  override readonly name = 'TemplateExecError';
}

class Break extends Error {}
class Continue extends Error {}

/** Parses and runs `src` with `data` as dot; throws parse, unsupported or execution errors. */
export function renderTemplate(name: string, src: string, data: unknown): string {
  const nodes = parseTemplate(name, src);
  checkFunctions(name, nodes);
  const out: string[] = [];
  const scopes: Map<string, unknown>[] = [new Map([['$', data]])];
  const lookupVar = (v: string, p: Pipeline): unknown => {
    for (let i = scopes.length - 1; i >= 0; i--) if (scopes[i]!.has(v)) return scopes[i]!.get(v);
    throw new TemplateExecError(`template: ${name}:${p.line}: undefined variable: ${v}`);
  };
  const fail = (p: Pipeline, at: string, msg: string): never => {
    throw new TemplateExecError(`template: ${name}:${p.line}: executing "${name}" at <${at}>: ${msg}`);
  };
  const field = (recv: unknown, key: string, p: Pipeline, at: string): unknown => {
    if (recv instanceof GoMap) return recv.get(key);
    if (recv instanceof GoStruct) {
      const f = recv.goFields().find(([k]) => k === key);
      if (f) return f[1];
      const m = recv.goMethods()[key];
      if (m) return m();
      return fail(p, at, `can't evaluate field ${key} in type ${recv.goType}`);
    }
    if (recv === Missing || recv === undefined || recv === null)
      return fail(p, at, `nil pointer evaluating interface {}.${key}`);
    return fail(p, at, `can't evaluate field ${key} in type ${goTypeOf(recv)}`);
  };
  const evalArg = (a: Arg, dot: unknown, p: Pipeline, final?: { v: unknown }): unknown => {
    switch (a.t) {
      case 'str':
      case 'num':
      case 'bool':
        return a.value;
      case 'nil':
        return null;
      case 'var':
        return lookupVar(a.name, p);
      case 'pipe':
        return evalPipeline(a.pipe, dot);
      case 'ident':
        if (final) return callFunction(a.name, [final.v]);
        return callFunction(a.name, []);
      case 'field': {
        let v = a.base === 'dot' ? dot : 'v' in a.base ? lookupVar(a.base.v, p) : evalPipeline(a.base.pipe, dot);
        for (const key of a.path) v = field(v, key, p, a.src);
        return v;
      }
    }
  };
  const evalPipeline = (p: Pipeline, dot: unknown): unknown => {
    let value: { v: unknown } | undefined;
    for (const cmd of p.cmds) {
      const [first, ...rest] = cmd.args;
      if (first!.t === 'ident' && hasFunction(first!.name)) {
        const args = rest.map((a) => evalArg(a, dot, p));
        if (value) args.push(value.v);
        try {
          value = { v: callFunction(first!.name, args) };
        } catch (err) {
          if (err instanceof TemplateExecError) throw err;
          fail(p, first!.name, `error calling ${first!.name}: ${err instanceof Error ? err.message : String(err)}`);
        }
        continue;
      }
      if (rest.length > 0 || value)
        fail(p, first!.t === 'field' ? first!.src : '', `can't give argument to non-function ${describe(first!)}`);
      value = { v: evalArg(first!, dot, p) };
    }
    const v = value?.v;
    if (p.decl.length > 0) {
      const name0 = p.decl[0]!;
      if (p.assign) {
        const scope = [...scopes].reverse().find((s) => s.has(name0));
        if (!scope) fail(p, name0, `undefined variable: ${name0}`);
        scope!.set(name0, v);
      } else scopes[scopes.length - 1]!.set(name0, v);
    }
    return v;
  };
  const walk = (list: Node[], dot: unknown): void => {
    for (const n of list) {
      switch (n.t) {
        case 'text':
          out.push(n.text);
          break;
        case 'action': {
          const v = evalPipeline(n.pipe, dot);
          if (n.pipe.decl.length === 0) out.push(v === Missing ? '<no value>' : formatValue(v));
          break;
        }
        case 'if':
        case 'with': {
          scopes.push(new Map());
          try {
            const v = evalPipeline(n.pipe, dot);
            if (truthy(v)) walk(n.then, n.t === 'with' ? v : dot);
            else walk(n.else, dot);
          } finally {
            scopes.pop();
          }
          break;
        }
        case 'range':
          range(n, dot);
          break;
        case 'break':
          throw new Break();
        case 'continue':
          throw new Continue();
      }
    }
  };
  const range = (n: Extract<Node, { t: 'range' }>, dot: unknown): void => {
    scopes.push(new Map());
    try {
      const decl = n.pipe.decl;
      const v = evalPipeline({ ...n.pipe, decl: [] }, dot);
      let items: [unknown, unknown][];
      if (Array.isArray(v)) items = v.map((x, i) => [i, x]);
      else if (v instanceof GoMap) items = v.entries;
      else if (typeof v === 'number' && Number.isInteger(v))
        items = Array.from({ length: Math.max(0, v) }, (_, i) => [i, i]);
      else if (v === Missing || v === undefined || v === null) items = [];
      else return fail(n.pipe, '', `range can't iterate over ${formatValue(v)}`);
      if (items.length === 0) {
        walk(n.else, dot);
        return;
      }
      for (const [k, x] of items) {
        const scope = new Map<string, unknown>();
        if (decl.length === 1) scope.set(decl[0]!, typeof v === 'number' ? k : x);
        if (decl.length === 2) {
          scope.set(decl[0]!, k);
          scope.set(decl[1]!, x);
        }
        scopes.push(scope);
        try {
          walk(n.then, x);
        } catch (err) {
          if (err instanceof Break) break;
          if (!(err instanceof Continue)) throw err;
        } finally {
          scopes.pop();
        }
      }
    } finally {
      scopes.pop();
    }
  };
  walk(nodes, data);
  return out.join('');
}

function describe(a: Arg): string {
  return a.t === 'field' || a.t === 'var' ? a.src : a.t;
}

/** Go checks at parse time that every function exists: `function "x" not defined`. */
function checkFunctions(name: string, nodes: Node[]): void {
  const pipes = (p: Pipeline): void => {
    for (const c of p.cmds) {
      for (const a of c.args) {
        if (a.t === 'ident' && !hasFunction(a.name)) callFunction(a.name, [], name, p.line);
        if (a.t === 'pipe') pipes(a.pipe);
        if (a.t === 'field' && typeof a.base === 'object' && 'pipe' in a.base) pipes(a.base.pipe);
      }
    }
  };
  const visit = (list: Node[]): void => {
    for (const n of list) {
      if (n.t === 'action') pipes(n.pipe);
      if (n.t === 'if' || n.t === 'with' || n.t === 'range') {
        pipes(n.pipe);
        visit(n.then);
        visit(n.else);
      }
    }
  };
  visit(nodes);
}
