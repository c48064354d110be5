// Go's builtin template functions and the hermetic Sprig functions commit messages use (Flux passes
// sprig.HermeticTxtFuncMap). A Sprig function not implemented here is refused by name, never guessed.
import { createHash } from 'node:crypto';
import { TemplateParseError, TemplateUnsupportedError } from './parse.ts';
import { GoMap, GoStruct, Missing, formatValue, goTypeOf, truthy } from './values.ts';

type Fn = (...args: unknown[]) => unknown;

const str = (v: unknown): string => formatValue(v);
const num = (v: unknown): number => {
  const n = typeof v === 'number' ? v : Number(str(v));
  return Number.isFinite(n) ? n : 0;
};
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v instanceof GoMap ? v.entries.map(([, x]) => x) : []);
const lengthOf = (v: unknown): number => {
  if (typeof v === 'string') return Buffer.byteLength(v);
  if (Array.isArray(v)) return v.length;
  if (v instanceof GoMap) return v.size;
  throw new Error(`len of type ${goTypeOf(v)}`);
};
const same = (a: unknown, b: unknown): boolean => (a === Missing ? null : a) === (b === Missing ? null : b);
const compare = (a: unknown, b: unknown): number => {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  throw new Error('incompatible types for comparison');
};
const hash = (algo: string) => (v: unknown) => createHash(algo).update(str(v)).digest('hex');

/** Go's fmt.Sprintf for the verbs commit messages need: %s %v %d %q %x %t %f %%, with widths. */
export function sprintf(format: unknown, ...args: unknown[]): string {
  let i = 0;
  return str(format).replace(
    /%([-+ 0#]*)(\d*)(?:\.(\d+))?([svdqxXtfT%])/g,
    (_m, flags: string, width: string, prec: string | undefined, verb: string) => {
      if (verb === '%') return '%';
      if (i >= args.length) return `%!${verb}(MISSING)`;
      const a = args[i++];
      let out: string;
      switch (verb) {
        case 'd':
          out = typeof a === 'number' ? String(Math.trunc(a)) : `%!d(${goTypeOf(a)}=${str(a)})`;
          break;
        case 'q':
          out = JSON.stringify(str(a));
          break;
        case 'x':
        case 'X':
          out = typeof a === 'number' ? a.toString(16) : Buffer.from(str(a)).toString('hex');
          if (verb === 'X') out = out.toUpperCase();
          break;
        case 'f':
          out = num(a).toFixed(prec === undefined ? 6 : Number(prec));
          break;
        case 'T':
          out = goTypeOf(a);
          break;
        default:
          out = str(a);
          if (prec !== undefined && verb === 's') out = out.slice(0, Number(prec));
      }
      const w = Number(width || 0);
      if (out.length < w) out = flags.includes('-') ? out.padEnd(w) : out.padStart(w, flags.includes('0') ? '0' : ' ');
      return out;
    },
  );
}

const builtins: Record<string, Fn> = {
  and: (...a) => a.find((x) => !truthy(x)) ?? a[a.length - 1],
  or: (...a) => a.find((x) => truthy(x)) ?? a[a.length - 1],
  not: (a) => !truthy(a),
  len: (a) => lengthOf(a),
  index: (c, ...keys) => keys.reduce((v: unknown, k) => (v instanceof GoMap ? v.get(k) : list(v)[num(k)]), c),
  print: (...a) =>
    a.map((x, i) => (i > 0 && typeof x !== 'string' && typeof a[i - 1] !== 'string' ? ' ' : '') + str(x)).join(''),
  println: (...a) => `${a.map(str).join(' ')}\n`,
  printf: (f, ...a) => sprintf(f, ...a),
  eq: (a, ...b) => b.some((x) => same(a, x)),
  ne: (a, b) => !same(a, b),
  lt: (a, b) => compare(a, b) < 0,
  le: (a, b) => compare(a, b) <= 0,
  gt: (a, b) => compare(a, b) > 0,
  ge: (a, b) => compare(a, b) >= 0,
  urlquery: (...a) => encodeURIComponent(a.map(str).join('')),
};

const sprig: Record<string, Fn> = {
  lower: (s) => str(s).toLowerCase(),
  upper: (s) => str(s).toUpperCase(),
  title: (s) => str(s).replace(/\b\w/g, (c) => c.toUpperCase()),
  trim: (s) => str(s).trim(),
  trimAll: (c, s) => str(s).replace(new RegExp(`^[${escapeClass(str(c))}]+|[${escapeClass(str(c))}]+$`, 'g'), ''),
  trimPrefix: (p, s) => (str(s).startsWith(str(p)) ? str(s).slice(str(p).length) : str(s)),
  trimSuffix: (p, s) => (str(s).endsWith(str(p)) && str(p) ? str(s).slice(0, -str(p).length) : str(s)),
  contains: (sub, s) => str(s).includes(str(sub)),
  hasPrefix: (p, s) => str(s).startsWith(str(p)),
  hasSuffix: (p, s) => str(s).endsWith(str(p)),
  replace: (o, n, s) => str(s).split(str(o)).join(str(n)),
  repeat: (n, s) => str(s).repeat(Math.max(0, num(n))),
  trunc: (n, s) => {
    const c = num(n);
    const t = str(s);
    return c >= 0 ? t.slice(0, c) : t.slice(Math.max(0, t.length + c));
  },
  substr: (a, b, s) => str(s).slice(num(a), num(b) < 0 ? undefined : num(b)),
  nospace: (s) => str(s).replace(/\s+/g, ''),
  quote: (...a) => a.map((x) => JSON.stringify(str(x))).join(' '),
  squote: (...a) => a.map((x) => `'${str(x)}'`).join(' '),
  cat: (...a) =>
    a
      .filter((x) => x !== null && x !== undefined)
      .map(str)
      .join(' '),
  indent: (n, s) => str(s).replace(/^/gm, ' '.repeat(num(n))),
  nindent: (n, s) => `\n${str(s).replace(/^/gm, ' '.repeat(num(n)))}`,
  toString: (v: unknown) => str(v),
  join: (sep, l) => list(l).map(str).join(str(sep)),
  splitList: (sep, s) => str(s).split(str(sep)),
  list: (...a) => a,
  first: (l) => list(l)[0] ?? null,
  last: (l) => list(l)[list(l).length - 1] ?? null,
  uniq: (l) => [...new Set(list(l))],
  sortAlpha: (l) => list(l).map(str).sort(),
  has: (x, l) => list(l).some((y) => same(x, y)),
  default: (d, v) => (truthy(v) ? v : d),
  empty: (v) => !truthy(v),
  coalesce: (...a) => a.find(truthy) ?? null,
  ternary: (a, b, c) => (truthy(c) ? a : b),
  sha1sum: hash('sha1'),
  sha256sum: hash('sha256'),
  adler32sum: (v) => {
    let a = 1;
    let b = 0;
    for (const byte of Buffer.from(str(v))) {
      a = (a + byte) % 65521;
      b = (b + a) % 65521;
    }
    return String(((b << 16) | a) >>> 0);
  },
  b64enc: (v) => Buffer.from(str(v)).toString('base64'),
  b64dec: (v) => Buffer.from(str(v), 'base64').toString('utf8'),
  add: (...a) => a.reduce((x: number, y) => x + num(y), 0),
  add1: (a) => num(a) + 1,
  sub: (a, b) => num(a) - num(b),
  mul: (...a) => a.reduce((x: number, y) => x * num(y), 1),
  div: (a, b) => Math.trunc(num(a) / num(b)),
  mod: (a, b) => num(a) % num(b),
  max: (...a) => Math.max(...a.map(num)),
  min: (...a) => Math.min(...a.map(num)),
  keys: (...maps) => maps.flatMap((m) => (m instanceof GoMap ? m.entries.map(([k]) => k) : [])),
  toJson: (v) => JSON.stringify(toPlain(v)),
  regexMatch: (re, s) => new RegExp(str(re)).test(str(s)),
  regexFind: (re, s) => new RegExp(str(re)).exec(str(s))?.[0] ?? '',
  regexReplaceAll: (re, s, repl) =>
    str(s).replace(new RegExp(str(re), 'g'), str(repl).replace(/\$\{?(\w+)\}?/g, '$<$1>')),
};

// The rest of sprig.HermeticTxtFuncMap: refused by name rather than reported as unknown.
const unimplementedSprig = new Set(
  (
    'abbrev abbrevboth initials wrap wrapWith plural snakecase camelcase kebabcase swapcase shuffle untitle ' +
    'split splitn toStrings regexFindAll regexSplit regexQuoteMeta regexReplaceAllLiteral mustRegexMatch semver ' +
    'semverCompare dict get set unset hasKey pluck merge mergeOverwrite deepCopy values pick omit dig append ' +
    'prepend concat rest initial reverse compact without slice chunk seq until untilStep atoi int int64 float64 ' +
    'toDecimal floor ceil round base dir ext clean isAbs fromJson toPrettyJson toRawJson b32enc b32dec tuple ' +
    'typeOf typeIs typeIsLike kindOf kindIs deepEqual fail required html js call'
  ).split(' '),
);

function escapeClass(s: string): string {
  return s.replace(/[\]\\^-]/g, '\\$&');
}

function toPlain(v: unknown): unknown {
  if (v === Missing) return null;
  if (Array.isArray(v)) return v.map(toPlain);
  if (v instanceof GoMap) return Object.fromEntries(v.entries.map(([k, x]) => [str(k), toPlain(x)]));
  if (v instanceof GoStruct) return Object.fromEntries(v.goFields().map(([k, x]) => [k, toPlain(x)]));
  return v;
}

/** True when `name` is a function templates can call. */
export function hasFunction(name: string): boolean {
  return Object.hasOwn(builtins, name) || Object.hasOwn(sprig, name);
}

/** Calls a function; an unknown one is Go's parse error, an unimplemented Sprig one is refused by name. */
export function callFunction(name: string, args: unknown[], template = 'commit message', line = 1): unknown {
  const fn = Object.hasOwn(builtins, name) ? builtins[name] : Object.hasOwn(sprig, name) ? sprig[name] : undefined;
  if (fn) return fn(...args);
  if (unimplementedSprig.has(name))
    throw new TemplateUnsupportedError(`the template function "${name}" (line ${line}) is not supported`);
  throw new TemplateParseError(`template: ${template}:${line}: function "${name}" not defined`);
}
