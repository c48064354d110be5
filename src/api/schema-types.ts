// Small TypeBox builders for the Kubernetes OpenAPI idioms Flux's CRDs use, so each kind
// declares its fields once and crd.ts can translate them to a structural schema.
import { Type } from '@sinclair/typebox';
import type { SchemaOptions, StringOptions, TInteger, TLiteral, TSchema, TString, TUnion } from '@sinclair/typebox';

/** Go duration as Flux's CRDs validate it (no sign, no bare numbers). */
export const DurationPattern = '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$';

/** A Go duration string such as `1m30s`, validated by {@link DurationPattern}. */
export function Duration(options: StringOptions = {}): TString {
  return Type.String({ pattern: DurationPattern, ...options });
}

/** An RFC 3339 timestamp (metav1.Time); needs the `date-time` format registered, see validate.ts. */
export function DateTime(options: StringOptions = {}): TString {
  return Type.String({ format: 'date-time', ...options });
}

/** A 64-bit integer as the API server stores it. */
export function Int64(options: SchemaOptions & { minimum?: number; maximum?: number } = {}): TInteger {
  return Type.Integer({ format: 'int64', ...options });
}

/** A string restricted to fixed values; crd.ts renders it as `type: string` plus `enum`. */
export function StringEnum<const T extends readonly string[]>(
  values: T,
  options: SchemaOptions = {},
): TUnion<TLiteral<T[number]>[]> {
  return Type.Union(
    values.map((v: T[number]) => Type.Literal(v)),
    options,
  );
}

/** A free-form `map[string]string`; crd.ts renders it as `additionalProperties: {type: string}`. */
export function StringMap(options: SchemaOptions = {}) {
  return Type.Record(Type.String(), Type.String(), options);
}

/** A Kubernetes object name (DNS subdomain length limits, as Flux's references declare). */
export function ObjectName(options: StringOptions = {}): TString {
  return Type.String({ minLength: 1, maxLength: 253, ...options });
}

/** A namespace name (DNS label length limits). */
export function NamespaceName(options: StringOptions = {}): TString {
  return Type.String({ minLength: 1, maxLength: 63, ...options });
}

/** A copy of `schema` with a `description` (shown by `kubectl explain`), for shared sub-schemas. */
export function described<T extends TSchema>(schema: T, description: string): T {
  return { ...schema, description };
}
