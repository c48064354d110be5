// Which spec fields Driftless honours and which it refuses, and the pure checks built on that list.
// The rule: a field the CRD accepts is either implemented (and a test exercises it) or refused with a
// message that says what to do; it is never accepted and then silently ignored. The table itself
// lives in field-support-table.ts; field-support.test.ts walks every CRD against it.
import type { TSchema } from '@sinclair/typebox';
import { FieldSupportTables } from './field-support-table.ts';
import type { FieldSupport, KindFieldSupport } from './field-support-types.ts';

export type { FieldSupport, KindFieldSupport } from './field-support-types.ts';
export { FieldSupportTables } from './field-support-table.ts';

/** One refused field or value found in an object: the schema path, the value when only it is refused, the hint. */
export interface Refusal {
  /** Path in the CRD schema's form, e.g. `spec.dependsOn[].readyExpr`. */
  path: string;
  /** Set when the field is supported but this value of it is not (e.g. a Provider type). */
  value?: string;
  /** What to do instead, one sentence. */
  hint: string;
}

/** The words every refusal message uses, so users and tests can search for them. */
export const NotSupportedPhrase = 'is not supported by Driftless yet';

/** The table of `kind`, or undefined for a kind Driftless does not serve or whose spec is output (FluxReport). */
export function fieldSupportOf(kind: string): Readonly<Record<string, FieldSupport>> | undefined {
  const table: KindFieldSupport | undefined = FieldSupportTables[kind];
  return table && 'fields' in table ? table.fields : undefined;
}

/**
 * The refused fields and values set in `obj.spec`, in table order. A field counts as set when it holds
 * anything but Go's zero value (absent, null, false, '', [] or {}), because that is what Flux reads as unset.
 * A path under an array or map is reported once, whatever the number of entries that set it.
 */
export function refusedFields(kind: string, obj: { spec?: unknown }): Refusal[] {
  const fields = fieldSupportOf(kind);
  if (!fields) return [];
  const out: Refusal[] = [];
  for (const [path, support] of Object.entries(fields)) {
    const values = valuesAt(obj.spec, pathSegments(path));
    if ('refused' in support) {
      if (values.some(isSet)) out.push({ path, hint: support.refused });
      continue;
    }
    const refusedValues = 'implemented' in support ? support.refusedValues : undefined;
    if (!refusedValues) continue;
    const seen = new Set<string>();
    for (const v of values.flatMap((x) => (Array.isArray(x) ? (x as unknown[]) : [x]))) {
      if (typeof v !== 'string' || seen.has(v) || !Object.hasOwn(refusedValues, v)) continue;
      seen.add(v);
      out.push({ path, value: v, hint: refusedValues[v] ?? '' });
    }
  }
  return out;
}

/** One refusal as a sentence: `spec.decryption is not supported by Driftless yet: <hint>`. */
export function refusalSentence(r: Refusal): string {
  const subject = r.value === undefined ? r.path : `${r.path} '${r.value}'`;
  return `${subject} ${NotSupportedPhrase}: ${r.hint}`;
}

/** The Ready message for refusals: each sentence, joined with '; '. */
export function refusalMessage(refusals: readonly Refusal[]): string {
  return refusals.map(refusalSentence).join('; ');
}

/**
 * CEL rules (`x-kubernetes-validations` at the CRD root) that refuse at admission every refused field
 * and value under the kind's `admission` paths, for kinds without a status to report NotSupported on.
 * Each rule's message is the refusal sentence. `specSchema` gives each field's type, so "set" follows
 * the same zero-value rule as {@link refusedFields}. Only paths through objects are supported (no arrays).
 */
export function admissionRules(kind: string, specSchema: TSchema): { rule: string; message: string }[] {
  const table: KindFieldSupport | undefined = FieldSupportTables[kind];
  if (!table || !('fields' in table)) return [];
  const rules: { rule: string; message: string }[] = [];
  for (const path of table.admission ?? []) {
    const support = table.fields[path];
    const segments = pathSegments(path);
    if (!support || segments.some((s) => s === '[]' || s === '*')) {
      throw new Error(`admission path ${path} of ${kind} must be an object path in the table`);
    }
    const guard = celPresence(segments);
    const field = `self.spec.${segments.join('.')}`;
    if ('refused' in support) {
      const zero = schemaTypeAt(specSchema, segments) === 'boolean' ? `${field} == false` : `size(${field}) == 0`;
      rules.push({ rule: `${guard} || ${zero}`, message: refusalSentence({ path, hint: support.refused }) });
    } else if ('implemented' in support) {
      for (const [value, hint] of Object.entries(support.refusedValues ?? {})) {
        rules.push({
          rule: `${guard} || ${field} != ${celString(value)}`,
          message: refusalSentence({ path, value, hint }),
        });
      }
    }
  }
  return rules;
}

/** Every refused path and value, as Markdown list items, for README's "Not done yet". */
export function refusedFieldsMarkdown(): string {
  const lines: string[] = [];
  for (const [kind, table] of Object.entries(FieldSupportTables)) {
    if (!('fields' in table)) continue;
    const items: string[] = [];
    for (const [path, support] of Object.entries(table.fields)) {
      if ('refused' in support) items.push(`\`${path}\``);
      else if ('implemented' in support && support.refusedValues) {
        const values = Object.keys(support.refusedValues).map((v) => `\`${v}\``);
        items.push(`\`${path}\`: ${values.join(', ')}`);
      }
    }
    if (items.length > 0) lines.push(`- ${kind}: ${items.join('; ')}.`);
  }
  return lines.join('\n');
}

/** `spec.a[].b.*` → `['a', '[]', 'b', '*']` (the leading `spec` dropped). */
export function pathSegments(path: string): string[] {
  const parts = path.split('.');
  if (parts[0] !== 'spec') throw new Error(`field path ${path} must start with spec`);
  return parts.slice(1).flatMap((p) => (p.endsWith('[]') ? [p.slice(0, -2), '[]'] : [p]));
}

// Every value found at `segments` below `node`, expanding `[]` over array items and `*` over map values.
function valuesAt(node: unknown, segments: readonly string[]): unknown[] {
  if (node === undefined || node === null) return [];
  const [head, ...rest] = segments;
  if (head === undefined) return [node];
  if (head === '[]') return Array.isArray(node) ? node.flatMap((item: unknown) => valuesAt(item, rest)) : [];
  if (typeof node !== 'object' || Array.isArray(node)) return [];
  const record = node as Record<string, unknown>;
  if (head === '*') return Object.values(record).flatMap((v) => valuesAt(v, rest));
  return Object.hasOwn(record, head) ? valuesAt(record[head], rest) : [];
}

/** Whether `value` is anything but Go's zero value. */
function isSet(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

// `!has(self.spec) || !has(self.spec.a) || !has(self.spec.a.b)`: true when the field is absent.
function celPresence(segments: readonly string[]): string {
  const checks = ['!has(self.spec)'];
  for (let i = 1; i <= segments.length; i++) checks.push(`!has(self.spec.${segments.slice(0, i).join('.')})`);
  return checks.join(' || ');
}

function celString(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

// The JSON type of the TypeBox node at `segments` (a union of literals is a string).
function schemaTypeAt(schema: TSchema, segments: readonly string[]): string | undefined {
  let node = schema as unknown as Record<string, unknown> | undefined;
  for (const s of segments) node = (node?.['properties'] as Record<string, Record<string, unknown>> | undefined)?.[s];
  if (!node) return undefined;
  if (typeof node['type'] === 'string') return node['type'];
  return Array.isArray(node['anyOf']) ? 'string' : undefined;
}
