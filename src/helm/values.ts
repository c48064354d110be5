// The values of a HelmRelease as helm-controller composes them (fluxcd/pkg chartutil
// ChartValuesFromReferences): each valuesFrom reference in order, merged over the previous ones, a
// reference with targetPath setting one value; the inline values merged last.
import { parse } from 'yaml';

/** A valuesFrom reference could not be resolved; the message is Flux's ("could not resolve …"). */
export class ValuesReferenceError extends Error {
  override readonly name = 'ValuesReferenceError';
  readonly reason = 'ValuesError';
}

export type Values = Record<string, unknown>;

const isMap = (v: unknown): v is Values => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Merges `b` over `a`, maps recursively, anything else replaced (Flux's MergeMaps). */
export function mergeValues(a: Values, b: Values | undefined): Values {
  const out: Values = { ...a };
  for (const [k, v] of Object.entries(b ?? {})) {
    const prev = out[k];
    out[k] = isMap(v) && isMap(prev) ? mergeValues(prev, v) : v;
  }
  return out;
}

/** Parses a values document: YAML mapping, or empty. */
export function readValues(text: string): Values {
  const doc: unknown = parse(text);
  if (doc === null || doc === undefined) return {};
  if (!isMap(doc)) throw new Error('values must be a YAML mapping');
  return doc;
}

/** A scalar as Helm's `--set` types it: true/false, null, integers, else a string. */
function typedValue(raw: string): unknown {
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  if (raw === 'null') return null;
  if (/^-?(0|[1-9][0-9]*)$/.test(raw) && Number.isSafeInteger(Number(raw))) return Number(raw);
  return raw;
}

/** Splits `a.b\.c[2].d` into keys and indices (a backslash escapes a dot). */
function pathParts(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  let cur = '';
  for (let i = 0; i < path.length; i++) {
    const c = path[i];
    if (c === '\\' && i + 1 < path.length) {
      cur += path[++i];
    } else if (c === '.') {
      if (cur) out.push(cur);
      cur = '';
    } else if (c === '[') {
      const end = path.indexOf(']', i);
      if (end < 0) throw new Error(`unterminated index in '${path}'`);
      if (cur) out.push(cur);
      cur = '';
      out.push(Number(path.slice(i + 1, end)));
      i = end;
    } else cur += c;
  }
  if (cur) out.push(cur);
  return out;
}

/**
 * Sets the value at a targetPath as Helm's `--set path=value` does (a quoted value as `--set-string`), or,
 * `literal`, as `--set-literal` does: the string verbatim (Flux's ReplacePathLiteralValue).
 * Mutates and returns `values`.
 */
export function setPathValue(values: Values, path: string, raw: string, literal = false): Values {
  const quoted = /^(['"]).*\1$/s.test(raw) && raw.length >= 2;
  const value = literal ? raw : quoted ? raw.replace(/^['"]+|['"]+$/g, '') : typedValue(raw);
  const parts = pathParts(path);
  if (parts.length === 0) throw new Error(`empty target path`);
  let node: unknown = values;
  for (let i = 0; i < parts.length; i++) {
    const key = parts[i] as string | number;
    const last = i === parts.length - 1;
    const nextIsIndex = typeof parts[i + 1] === 'number';
    const container = node as Values & unknown[];
    if (last) {
      container[key as never] = value as never;
      break;
    }
    let child = container[key as never] as unknown;
    if (nextIsIndex ? !Array.isArray(child) : !isMap(child)) {
      child = nextIsIndex ? [] : {};
      container[key as never] = child as never;
    }
    node = child;
  }
  return values;
}

/** One valuesFrom entry as read: the referenced data, or undefined when it (or its key) is missing. */
export interface ResolvedReference {
  kind: 'ConfigMap' | 'Secret';
  name: string;
  namespace: string;
  valuesKey?: string;
  targetPath?: string;
  optional?: boolean;
  /** Set the data at targetPath as a literal string (`valuesFrom[].literal`). */
  literal?: boolean;
  /** The key's content, undefined when the object or the key is missing. */
  data: string | undefined;
  /** Set when the object itself is missing (else the key is). */
  objectMissing: boolean;
}

/** Flux's default `valuesKey`. */
export const DefaultValuesKey = 'values.yaml';

/** Composes the values of `refs` in order and `inline` last; throws ValuesReferenceError as Flux words it. */
export function composeValues(refs: readonly ResolvedReference[], inline: Values | undefined): Values {
  let result: Values = {};
  for (const ref of refs) {
    const key = ref.valuesKey || DefaultValuesKey;
    const describe = (why: string): string =>
      `could not resolve${ref.optional ? ' optional' : ''} ${ref.kind} chart values reference '${ref.namespace}/${ref.name}' with key '${key}': ${why}`;
    if (ref.data === undefined) {
      if (ref.optional) continue;
      throw new ValuesReferenceError(
        // A missing object reads as the API server's NotFound, as in Flux's message.
        describe(ref.objectMissing ? `${ref.kind.toLowerCase()}s "${ref.name}" not found` : 'key not found'),
      );
    }
    if (ref.targetPath) {
      result = mergeValues(result, inline);
      try {
        setPathValue(result, ref.targetPath, ref.data, ref.literal ?? false);
      } catch (err) {
        throw new ValuesReferenceError(describe(`failed to merge value: ${(err as Error).message}`));
      }
      continue;
    }
    let values: Values;
    try {
      values = readValues(ref.data);
    } catch (err) {
      throw new ValuesReferenceError(describe(`failed to read values data: ${(err as Error).message}`));
    }
    result = mergeValues(result, values);
  }
  return mergeValues(result, inline);
}
