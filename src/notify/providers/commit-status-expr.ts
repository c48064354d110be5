// A small, documented subset of CEL for `Provider.spec.commitStatusExpr`. Full CEL is not
// implemented; anything outside the subset is rejected when the notifier is built, never guessed.
//
// Supported:
//   - string literals in single or double quotes (escapes: \\ \' \" \n \t)
//   - the variables `event`, `provider`, `alert`, with field access (`event.involvedObject.name`),
//     map indexing (`event.metadata['app.kubernetes.io/name']`) and list indexing (`[0]`)
//   - `+` between strings, and parentheses
//   - methods on strings: lowerAscii(), upperAscii(), trim(), replace(old, new), split(sep)
//   - methods on lists: first(), last() (returning the element; `.value()` after them is accepted
//     and does nothing, so Flux's `split('-').first().value()` works unchanged)
// Variables: `event` is the Flux event (metadata keys already merged, prefixes stripped);
// `provider` is `{metadata: {name, namespace, uid}}`; `alert` is `{metadata: {name, namespace}}`.

/** A value the expression language handles. */
type Value = string | number | Value[] | { [key: string]: Value } | undefined;

type Node =
  | { t: 'str'; v: string }
  | { t: 'int'; v: number }
  | { t: 'var'; name: string }
  | { t: 'field'; of: Node; name: string }
  | { t: 'index'; of: Node; key: Node }
  | { t: 'call'; of: Node; name: string; args: Node[] }
  | { t: 'add'; l: Node; r: Node };

/** An expression outside the supported subset, or one that fails on an event. */
export class CommitStatusExprError extends Error {
  override readonly name: string = 'CommitStatusExprError';
}

const VARIABLES = new Set(['event', 'provider', 'alert']);
const METHODS: Record<string, number> = {
  lowerAscii: 0,
  upperAscii: 0,
  trim: 0,
  replace: 2,
  split: 1,
  first: 0,
  last: 0,
  value: 0,
};

/** A parsed expression; `evaluate` returns the context string or throws `CommitStatusExprError`. */
export interface CommitStatusExpr {
  evaluate(vars: Record<string, unknown>): string;
}

/** Parses `source`; throws `CommitStatusExprError` naming the offset and what was expected. */
export function parseCommitStatusExpr(source: string): CommitStatusExpr {
  const tokens = tokenize(source);
  let pos = 0;
  const peek = (): string | undefined => tokens[pos]?.text;
  const fail = (what: string): never => {
    const at = tokens[pos]?.at ?? source.length;
    throw new CommitStatusExprError(
      `commitStatusExpr: ${what} at offset ${at} (only a documented CEL subset is supported)`,
    );
  };
  const expect = (text: string): void => {
    if (peek() !== text) fail(`expected "${text}"`);
    pos++;
  };

  const parseExpr = (): Node => {
    let node = parsePostfix();
    while (peek() === '+') {
      pos++;
      node = { t: 'add', l: node, r: parsePostfix() };
    }
    return node;
  };
  const parsePostfix = (): Node => {
    let node = parsePrimary();
    for (;;) {
      if (peek() === '.') {
        pos++;
        const name = tokens[pos];
        if (!name || name.kind !== 'ident') fail('expected a field or method name');
        pos++;
        if (peek() === '(') {
          pos++;
          const args: Node[] = [];
          while (peek() !== ')') {
            args.push(parseExpr());
            if (peek() === ',') pos++;
            else if (peek() !== ')') fail('expected "," or ")"');
          }
          pos++;
          const arity = METHODS[name?.text ?? ''];
          if (arity === undefined) fail(`unsupported method ${name?.text}()`);
          if (arity !== args.length) fail(`${name?.text}() takes ${arity} argument(s)`);
          node = { t: 'call', of: node, name: name?.text ?? '', args };
        } else {
          node = { t: 'field', of: node, name: name?.text ?? '' };
        }
      } else if (peek() === '[') {
        pos++;
        const key = parseExpr();
        expect(']');
        node = { t: 'index', of: node, key };
      } else {
        return node;
      }
    }
  };
  const parsePrimary = (): Node => {
    const tok = tokens[pos];
    if (!tok) return fail('unexpected end of expression');
    pos++;
    if (tok.kind === 'str') return { t: 'str', v: tok.value };
    if (tok.kind === 'int') return { t: 'int', v: Number(tok.text) };
    if (tok.kind === 'ident') {
      if (!VARIABLES.has(tok.text)) {
        pos--;
        fail(`unknown variable or function "${tok.text}"`);
      }
      return { t: 'var', name: tok.text };
    }
    if (tok.text === '(') {
      const inner = parseExpr();
      expect(')');
      return inner;
    }
    pos--;
    return fail(`unexpected "${tok.text}"`);
  };

  const root = parseExpr();
  if (pos < tokens.length) fail(`unexpected "${peek()}"`);
  return {
    evaluate(vars) {
      const out = evaluate(root, vars as Record<string, Value>);
      if (typeof out !== 'string') throw new CommitStatusExprError('commitStatusExpr must evaluate to a string');
      return out;
    },
  };
}

function evaluate(node: Node, vars: Record<string, Value>): Value {
  switch (node.t) {
    case 'str':
    case 'int':
      return node.v;
    case 'var':
      return vars[node.name];
    case 'field':
      return member(evaluate(node.of, vars), node.name);
    case 'index': {
      const of = evaluate(node.of, vars);
      const key = evaluate(node.key, vars);
      if (Array.isArray(of)) {
        if (typeof key !== 'number') throw new CommitStatusExprError('list index must be an integer');
        if (key < 0 || key >= of.length) throw new CommitStatusExprError(`index ${key} out of range`);
        return of[key];
      }
      if (typeof key !== 'string') throw new CommitStatusExprError('map key must be a string');
      return member(of, key);
    }
    case 'add': {
      const l = evaluate(node.l, vars);
      const r = evaluate(node.r, vars);
      if (typeof l !== 'string' || typeof r !== 'string') throw new CommitStatusExprError('"+" joins strings only');
      return l + r;
    }
    case 'call':
      return call(
        node.name,
        evaluate(node.of, vars),
        node.args.map((a) => evaluate(a, vars)),
      );
  }
}

function member(of: Value, key: string): Value {
  if (of === undefined || typeof of !== 'object' || Array.isArray(of) || !Object.hasOwn(of, key)) {
    throw new CommitStatusExprError(`no such key: ${key}`);
  }
  return of[key];
}

function call(name: string, target: Value, args: Value[]): Value {
  if (name === 'value') return target;
  if (name === 'first' || name === 'last') {
    if (!Array.isArray(target) || target.length === 0)
      throw new CommitStatusExprError(`${name}() needs a non-empty list`);
    return name === 'first' ? target[0] : target[target.length - 1];
  }
  if (typeof target !== 'string') throw new CommitStatusExprError(`${name}() needs a string`);
  const strArgs = args.map((a) => {
    if (typeof a !== 'string') throw new CommitStatusExprError(`${name}() takes string arguments`);
    return a;
  });
  switch (name) {
    case 'lowerAscii':
      return target.replace(/[A-Z]+/g, (s) => s.toLowerCase());
    case 'upperAscii':
      return target.replace(/[a-z]+/g, (s) => s.toUpperCase());
    case 'trim':
      return target.trim();
    case 'replace':
      return target.split(strArgs[0] ?? '').join(strArgs[1] ?? '');
    default:
      return target.split(strArgs[0] ?? '');
  }
}

interface Token {
  kind: 'str' | 'int' | 'ident' | 'punct';
  text: string;
  value: string;
  at: number;
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i] ?? '';
    if (/\s/.test(c)) {
      i++;
    } else if (c === '"' || c === "'") {
      const start = i++;
      let value = '';
      while (i < source.length && source[i] !== c) {
        if (source[i] === '\\') {
          const e = source[i + 1] ?? '';
          const map: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', n: '\n', t: '\t' };
          if (!(e in map))
            throw new CommitStatusExprError(`commitStatusExpr: unsupported escape \\${e} at offset ${i}`);
          value += map[e];
          i += 2;
        } else value += source[i++];
      }
      if (i >= source.length)
        throw new CommitStatusExprError(`commitStatusExpr: unterminated string at offset ${start}`);
      i++;
      tokens.push({ kind: 'str', text: source.slice(start, i), value, at: start });
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(i))?.[0] ?? c;
      tokens.push({ kind: 'ident', text: m, value: m, at: i });
      i += m.length;
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9]+/.exec(source.slice(i))?.[0] ?? c;
      tokens.push({ kind: 'int', text: m, value: m, at: i });
      i += m.length;
    } else if ('.+()[],'.includes(c)) {
      tokens.push({ kind: 'punct', text: c, value: c, at: i++ });
    } else {
      throw new CommitStatusExprError(`commitStatusExpr: unsupported character "${c}" at offset ${i}`);
    }
  }
  return tokens;
}
