// Go values as a template sees them: maps ranged in sorted key order, structs with typed fields and
// methods, and fmt's %v formatting (`map[k:v]`, `{a b}`, `[x y]`, `<nil>`).

/** A Go struct: its type name (for error messages), fields, methods without arguments, and an optional String(). */
export abstract class GoStruct {
  abstract readonly goType: string;
  abstract goFields(): [string, unknown][];
  goMethods(): Record<string, () => unknown> {
    return {};
  }
  /** A `String() string` method, which fmt uses instead of the fields. */
  goString?(): string;
}

/** A Go map; iteration and printing follow Go's sorted key order (fmtsort). */
export class GoMap {
  readonly entries: [unknown, unknown][];
  constructor(entries: Iterable<[unknown, unknown]>) {
    this.entries = [...entries].sort((a, b) => compareKeys(a[0], b[0]));
  }
  get(key: unknown): unknown {
    const hit = this.entries.find(([k]) => k === key);
    return hit === undefined ? Missing : hit[1];
  }
  get size(): number {
    return this.entries.length;
  }
}

/** The invalid value a missing map key gives; printed as `<no value>` like Go's default missingkey. */
export const Missing: unique symbol = Symbol('missing');

/** Go's fmtsort order: numbers and strings by value, structs field by field. */
export function compareKeys(a: unknown, b: unknown): number {
  if (a instanceof GoStruct && b instanceof GoStruct) {
    const fa = a.goFields();
    const fb = b.goFields();
    for (let i = 0; i < fa.length; i++) {
      const c = compareKeys(fa[i]![1], fb[i]?.[1]);
      if (c !== 0) return c;
    }
    return 0;
  }
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** fmt's `%v` of a value. */
export function formatValue(v: unknown): string {
  if (v === Missing || v === undefined || v === null) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : formatFloat(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(formatValue).join(' ')}]`;
  if (v instanceof GoMap) return `map[${v.entries.map(([k, x]) => `${formatValue(k)}:${formatValue(x)}`).join(' ')}]`;
  if (v instanceof GoStruct) {
    if (v.goString) return v.goString();
    return `{${v
      .goFields()
      .map(([, x]) => formatValue(x))
      .join(' ')}}`;
  }
  return String(v);
}

function formatFloat(v: number): string {
  const s = String(v);
  return /e/.test(s) ? s.replace(/e([+-])(\d)$/, 'e$10$2') : s;
}

/** Go's truth: false, 0, nil, and empty strings, slices and maps are false; structs are true. */
export function truthy(v: unknown): boolean {
  if (v === Missing || v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof GoMap) return v.size > 0;
  return true;
}

/** A Go type name for messages. */
export function goTypeOf(v: unknown): string {
  if (v instanceof GoStruct) return v.goType;
  if (v instanceof GoMap) return 'map';
  if (Array.isArray(v)) return 'slice';
  if (v === Missing || v === undefined || v === null) return 'nil';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float64';
  return typeof v === 'boolean' ? 'bool' : 'string';
}
