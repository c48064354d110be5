// Parser and evaluator for Flux's bash-like `${…}` expressions (fluxcd/pkg envsubst semantics).
import { SubstitutionError } from './errors.ts';
import { compileGlob } from './glob-match.ts';

type Op =
  | ''
  | 'len'
  | '^'
  | '^^'
  | ','
  | ',,'
  | ':'
  | '#'
  | '##'
  | '%'
  | '%%'
  | '-'
  | '='
  | ':-'
  | ':='
  | ':?'
  | ':+'
  | '/'
  | '//'
  | '/#'
  | '/%';

/** A parsed template piece: literal text or a `${…}` expression. */
export type Part = string | Expr;
type Expr = { name: string; op: Op; args: Part[][] };

// Nested defaults such as ${a:-${b:-${c}}} recurse; bound it so hostile input cannot exhaust the stack.
const MAX_NESTING = 64;
const ident = /[\p{L}\p{N}_]+/uy;
const defaultOps: ReadonlySet<Op> = new Set<Op>(['-', '=', ':-', ':=', ':?', ':+']);

/** Parses text into literal and expression parts; `$$` outside expressions is an escaped `$`. */
export function parseTemplate(text: string): Part[] {
  return new TemplateParser(text).parseTop();
}

class TemplateParser {
  private i = 0;
  constructor(private readonly text: string) {}

  parseTop(): Part[] {
    const parts: Part[] = [];
    let buf = '';
    const { text } = this;
    while (this.i < text.length) {
      const c = text[this.i] as string;
      const next = text[this.i + 1];
      if (c === '$' && next === '$') {
        buf += '$';
        this.i += 2;
      } else if (c === '$' && next === '{') {
        if (buf) parts.push(buf);
        buf = '';
        this.i += 2;
        parts.push(this.parseExpr(1));
      } else {
        buf += c;
        this.i += 1;
      }
    }
    if (buf) parts.push(buf);
    return parts;
  }

  private fail(what: string, name?: string): never {
    const line = this.text.slice(0, this.i).split('\n').length;
    const where = name ? `in \${${name}…} at line ${line}` : `at line ${line}`;
    throw new SubstitutionError({ message: `bad substitution ${where}: ${what}`, variable: name });
  }

  private expect(ch: string, name: string): void {
    if (this.text[this.i] !== ch) {
      this.fail(this.i >= this.text.length ? 'missing closing brace' : `unexpected '${this.text[this.i]}'`, name);
    }
    this.i += 1;
  }

  private parseExpr(depth: number): Expr {
    if (depth > MAX_NESTING) this.fail(`expressions nested deeper than ${MAX_NESTING} levels`);
    const isLen = this.text[this.i] === '#';
    if (isLen) this.i += 1;
    ident.lastIndex = this.i;
    const name = ident.exec(this.text)?.[0];
    if (!name) this.fail('unable to parse variable name');
    this.i += name.length;
    if (isLen) {
      this.expect('}', name);
      return { name, op: 'len', args: [] };
    }
    const c = this.text[this.i];
    const next = this.text[this.i + 1];
    const args: Part[][] = [];
    let op: Op = '';
    if (c === ':' && next !== undefined && '-=?+'.includes(next)) {
      op = `:${next}` as Op;
      this.i += 2;
      args.push(this.parseParts('}', false, depth));
    } else if (c === ':') {
      op = ':';
      this.i += 1;
      args.push(this.parseParts(':}', false, depth));
      if (this.text[this.i] === ':') {
        this.i += 1;
        args.push(this.parseParts('}', false, depth));
      }
    } else if (c === '-' || c === '=') {
      op = c;
      this.i += 1;
      args.push(this.parseParts('}', false, depth));
    } else if (c === '^' || c === ',') {
      op = (next === c ? c + c : c) as Op;
      this.i += op.length;
    } else if (c === '/') {
      op = next !== undefined && '/#%'.includes(next) ? (`/${next}` as Op) : '/';
      this.i += op.length;
      args.push(this.parseParts('/}', true, depth));
      if (this.text[this.i] === '/') {
        this.i += 1;
        args.push(this.parseParts('}', true, depth));
      }
    } else if (c === '#' || c === '%') {
      op = (next === c ? c + c : c) as Op;
      this.i += op.length;
      args.push(this.parseParts('}', false, depth));
    } else if (c !== '}') {
      this.fail(c === undefined ? 'missing closing brace' : `unsupported operator '${c}'`, name);
    }
    this.expect('}', name);
    return { name, op, args };
  }

  // Reads literal text and nested expressions up to (not including) one of `stops`.
  private parseParts(stops: string, escapes: boolean, depth: number): Part[] {
    const parts: Part[] = [];
    let buf = '';
    const { text } = this;
    for (;;) {
      if (this.i >= text.length) this.fail('missing closing brace');
      const c = text[this.i] as string;
      const next = text[this.i + 1];
      if (stops.includes(c)) break;
      if (c === '$' && next === '{') {
        if (buf) parts.push(buf);
        buf = '';
        this.i += 2;
        parts.push(this.parseExpr(depth + 1));
      } else if (escapes && ((c === '\\' && (next === '/' || next === '\\')) || (c === '$' && next === '$'))) {
        buf += next;
        this.i += 2;
      } else {
        buf += c;
        this.i += 1;
      }
    }
    if (buf) parts.push(buf);
    return parts;
  }
}

/** Looks a variable up: the value, or undefined when it is not set. */
export type Lookup = (name: string) => string | undefined;

/**
 * Evaluates parsed parts. In strict mode an unset variable used without a default operator throws
 * SubstitutionError naming it; otherwise it reads as ''. Defaults are evaluated only when used.
 */
export function evaluate(parts: readonly Part[], lookup: Lookup, strict: boolean): string {
  let out = '';
  for (const part of parts) out += typeof part === 'string' ? part : evalExpr(part, lookup, strict);
  return out;
}

function evalExpr(expr: Expr, lookup: Lookup, strict: boolean): string {
  const found = lookup(expr.name);
  if (defaultOps.has(expr.op)) {
    // Flux's envsubst maps every default operator to "value if non-empty, else the default".
    return found ? found : evaluate(expr.args[0] ?? [], lookup, strict);
  }
  if (found === undefined && strict) {
    throw new SubstitutionError({
      message: `variable "${expr.name}" is not set (strict mode); define it in spec.postBuild.substitute or substituteFrom, or give a default such as \${${expr.name}:=value}`,
      variable: expr.name,
    });
  }
  const value = found ?? '';
  const args = expr.args.map((a) => evaluate(a, lookup, strict));
  return applyOp(expr.op, value, args);
}

function applyOp(op: Op, value: string, args: string[]): string {
  const [a = '', b] = args;
  switch (op) {
    case 'len':
      return String([...value].length);
    case '^':
      return mapFirst(value, (c) => c.toUpperCase());
    case '^^':
      return value.toUpperCase();
    case ',':
      return mapFirst(value, (c) => c.toLowerCase());
    case ',,':
      return value.toLowerCase();
    case ':':
      return substring(value, a, b);
    case '#':
    case '##':
      return trimPrefix(value, a, op === '##');
    case '%':
    case '%%':
      return trimSuffix(value, a, op === '%%');
    case '/':
      return replaceFirst(value, a, b ?? '');
    case '//':
      return replaceAll(value, a, b ?? '');
    case '/#':
      return value.startsWith(a) ? (b ?? '') + value.slice(a.length) : value;
    case '/%':
      return value.endsWith(a) ? value.slice(0, value.length - a.length) + (b ?? '') : value;
    default:
      return value;
  }
}

function mapFirst(value: string, fn: (ch: string) => string): string {
  const [first = '', ...rest] = [...value];
  return fn(first) + rest.join('');
}

const integer = /^[+-]?\d+$/;

// Mirrors bash/Flux: unparsable numbers return the value unchanged, negative offsets count from the end.
function substring(value: string, offsetArg: string, lengthArg: string | undefined): string {
  const chars = [...value];
  if (!integer.test(offsetArg)) return value;
  let pos = Number(offsetArg);
  if (pos < 0) pos = Math.max(0, chars.length + pos);
  if (lengthArg === undefined) return pos < chars.length ? chars.slice(pos).join('') : '';
  if (!integer.test(lengthArg)) return value;
  const length = Number(lengthArg);
  if (length < 0) {
    const end = chars.length + length;
    return end < pos ? '' : chars.slice(pos, end).join('');
  }
  return chars.slice(pos, pos + length).join('');
}

function trimPrefix(value: string, pattern: string, longest: boolean): string {
  const match = compileGlob(pattern);
  if (!match) return value;
  const chars = [...value];
  for (let k = 0; k < chars.length; k++) {
    const len = longest ? chars.length - k : k + 1;
    if (match(chars.slice(0, len).join(''))) return chars.slice(len).join('');
  }
  return value;
}

function trimSuffix(value: string, pattern: string, longest: boolean): string {
  const match = compileGlob(pattern);
  if (!match) return value;
  const chars = [...value];
  for (let k = 0; k < chars.length; k++) {
    const len = longest ? chars.length - k : k + 1;
    if (match(chars.slice(chars.length - len).join(''))) return chars.slice(0, chars.length - len).join('');
  }
  return value;
}

function replaceFirst(value: string, pattern: string, replacement: string): string {
  const at = value.indexOf(pattern);
  return at < 0 ? value : value.slice(0, at) + replacement + value.slice(at + pattern.length);
}

// Like Go's strings.Replace(s, old, new, -1): an empty pattern matches before every character and at the end.
function replaceAll(value: string, pattern: string, replacement: string): string {
  if (pattern === '') return replacement + [...value].join(replacement) + (value ? replacement : '');
  return value.split(pattern).join(replacement);
}
