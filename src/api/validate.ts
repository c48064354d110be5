// Checks values against the kinds' TypeBox schemas with the formats the API server enforces.
import { FormatRegistry } from '@sinclair/typebox';
import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { InvalidSpecError } from './errors.ts';

const rfc3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Registers the string formats our schemas use (`date-time`); idempotent, called by every check here. */
export function registerFormats(): void {
  // TypeBox rejects strings with an unregistered format, so this must run before any check.
  if (!FormatRegistry.Has('date-time')) {
    FormatRegistry.Set('date-time', (v) => rfc3339.test(v) && !Number.isNaN(Date.parse(v)));
  }
}

/** One schema violation: a JSON pointer into the value and what was expected there. */
export type SchemaIssue = { path: string; message: string };

/** Whether `value` satisfies `schema` (unknown properties are allowed, as the API server prunes them). */
export function isValid<T extends TSchema>(schema: T, value: unknown): value is Static<T> {
  registerFormats();
  return Value.Check(schema, value);
}

/** All violations of `schema` in `value`; empty when valid. */
export function schemaIssues(schema: TSchema, value: unknown): SchemaIssue[] {
  registerFormats();
  return [...Value.Errors(schema, value)].map((e) => ({ path: e.path || '/', message: e.message }));
}

/**
 * Returns `value` typed by `schema`, or throws InvalidSpecError naming the first bad field and listing
 * up to five issues; `what` (e.g. `GitRepository flux-system/podinfo`) prefixes the message.
 */
export function assertValid<T extends TSchema>(schema: T, value: unknown, what: string): Static<T> {
  const issues = schemaIssues(schema, value);
  const first = issues[0];
  if (!first) return value as Static<T>;
  const listed = issues
    .slice(0, 5)
    .map((i) => `${i.path}: ${i.message}`)
    .join('; ');
  const more = issues.length > 5 ? ` (and ${issues.length - 5} more)` : '';
  throw new InvalidSpecError({
    field: first.path.replace(/^\//, '').replaceAll('/', '.'),
    message: `${what} is invalid: ${listed}${more}`,
  });
}

/** A deep copy of `value` with the schema's defaults filled in where fields are missing. */
export function withDefaults<T extends TSchema>(schema: T, value: Static<T>): Static<T> {
  return Value.Default(schema, Value.Clone(value)) as Static<T>;
}
