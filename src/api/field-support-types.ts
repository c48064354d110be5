// The shape of the field-support table (see field-support.ts for the rule it enforces).

/**
 * How Driftless treats one property path of a kind's spec:
 * - `implemented`: honoured; the value is the test file that exercises it (it must mention the field).
 *   `refusedValues` lists enum values the CRD accepts but Driftless does not implement, with a hint each.
 * - `refused`: not implemented; a set value makes the object NotSupported (or is refused at admission).
 *   The hint says what to do instead, in one sentence. A refused object covers its whole subtree.
 * - `fluxIgnores`: Flux itself accepts and does not read the field; the value quotes why.
 */
export type FieldSupport =
  | { implemented: string; refusedValues?: Readonly<Record<string, string>> }
  | { refused: string }
  | { fluxIgnores: string };

/**
 * The table of one kind: `fields` keyed by schema path (`spec.dependsOn[].readyExpr`; arrays as `[]`,
 * map values as `.*`, which are covered by their parent's entry), and `admission`, the paths whose
 * refusals the CRD enforces with CEL rules (kinds without status cannot report NotSupported otherwise).
 * `output` marks a kind whose spec Driftless writes itself, which is therefore not user input.
 */
export type KindFieldSupport =
  { fields: Readonly<Record<string, FieldSupport>>; admission?: readonly string[] } | { output: string };

/** Entries for `paths`, all exercised by the test file `test`. */
export function implementedBy(test: string, paths: readonly string[]): Record<string, FieldSupport> {
  return Object.fromEntries(paths.map((p) => [p, { implemented: test }]));
}
