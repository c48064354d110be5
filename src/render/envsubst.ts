// Flux post-build variable substitution: `${var}` expressions in text and in built objects.
import { AnnotationValues, Annotations } from '../api/constants.ts';
import { SubstitutionError } from './errors.ts';
import { evaluate, parseTemplate } from './envsubst-parser.ts';
import { objectId, objectRef, parseManifests, serializeManifests } from './manifests.ts';
import type { KubeObject } from './types.ts';
import type { YamlLimits } from './yaml-documents.ts';

/** Variable names Flux accepts in `postBuild.substitute` and `substituteFrom` data keys. */
export const VARIABLE_NAME = /^[_a-zA-Z][_a-zA-Z0-9]*$/;

/** Options of {@link substituteVariables}. */
export type SubstituteOptions = {
  /** Fail on an unset variable used without a default (Flux's StrictPostBuildSubstitutions, on by default); default true. */
  strict?: boolean;
};

/**
 * Expands Flux/bash-style expressions in `text`: `${var}`, `${#var}`, `${var^}` `${var^^}` `${var,}` `${var,,}`,
 * `${var:n}` `${var:n:len}`, `${var#glob}` `${var##glob}` `${var%glob}` `${var%%glob}`, `${var-d}` `${var=d}`
 * `${var:-d}` `${var:=d}` (all four give `d` when var is unset or empty, as in Flux), and literal
 * `${var/p/r}` `${var//p/r}` `${var/#p/r}` `${var/%p/r}`. `$var` is left alone and `$${var}` yields `${var}`.
 * Throws SubstitutionError for an invalid variable name in `vars`, a malformed expression, or (strict) an unset
 * variable without a default. Deliberate differences: lengths and offsets count characters, not UTF-8 bytes, and
 * defaults are evaluated only when used.
 */
export function substituteVariables(
  text: string,
  vars: Readonly<Record<string, string>>,
  opts: SubstituteOptions = {},
): string {
  validateNames(vars);
  const lookup = (name: string): string | undefined => (Object.hasOwn(vars, name) ? vars[name] : undefined);
  return evaluate(parseTemplate(text), lookup, opts.strict ?? true);
}

function validateNames(vars: Readonly<Record<string, string>>): void {
  for (const name of Object.keys(vars)) {
    if (!VARIABLE_NAME.test(name)) {
      throw new SubstitutionError({
        message: `'${name}' var name is invalid, must match '${VARIABLE_NAME.source}'`,
        variable: name,
      });
    }
  }
}

/** Options of {@link substituteObjects}: strictness plus the YAML limits used when re-parsing each object. */
export type SubstituteObjectsOptions = SubstituteOptions & Omit<YamlLimits, 'source' | 'yaml11Booleans'>;

/** True when an object opts out of substitution with `kustomize.toolkit.fluxcd.io/substitute: disabled`. */
export function substitutionDisabled(obj: KubeObject): boolean {
  const key = Annotations.kustomizeSubstitute;
  return (
    obj.metadata.labels?.[key] === AnnotationValues.disabled ||
    obj.metadata.annotations?.[key] === AnnotationValues.disabled
  );
}

/**
 * Substitutes variables in every object like Flux: each object is serialised to YAML, expanded, and re-parsed with
 * Go yaml.v2 scalar rules (so `${ENABLED}` = `yes` becomes a boolean), with the same limits as parseManifests.
 * Objects labelled or annotated `kustomize.toolkit.fluxcd.io/substitute: disabled` are returned untouched; newlines
 * are removed from values as Flux does. Throws SubstitutionError naming the object (Kind/ns/name) and the variable,
 * or ManifestError if the result is not one valid object or two objects end up with the same id.
 */
export function substituteObjects(
  objects: readonly KubeObject[],
  vars: Readonly<Record<string, string>>,
  opts: SubstituteObjectsOptions = {},
): KubeObject[] {
  validateNames(vars);
  const flat: Record<string, string> = {};
  for (const [key, value] of Object.entries(vars)) flat[key] = value.replaceAll('\n', '');
  const out: KubeObject[] = [];
  const seen = new Map<string, string>();
  for (const obj of objects) {
    const result = substitutionDisabled(obj) ? obj : substituteOne(obj, flat, opts);
    const id = objectId(result);
    const previous = seen.get(id);
    if (previous !== undefined) {
      throw new SubstitutionError({
        message: `after substitution ${objectRef(obj)} has the already registered id "${id}" of ${previous}`,
      });
    }
    seen.set(id, objectRef(obj));
    out.push(result);
  }
  return out;
}

function substituteOne(obj: KubeObject, vars: Record<string, string>, opts: SubstituteObjectsOptions): KubeObject {
  const ref = objectRef(obj);
  const text = serializeManifests([obj]);
  let expanded: string;
  try {
    expanded = substituteVariables(text, vars, opts);
  } catch (err) {
    if (!(err instanceof SubstitutionError)) throw err;
    throw new SubstitutionError({
      message: `variable substitution failed for ${ref}: ${err.message}`,
      variable: err.variable,
      cause: err,
    });
  }
  if (expanded === text) return obj;
  const parsed = parseManifests(expanded, { ...opts, source: `${ref} after substitution`, yaml11Booleans: true });
  const [first, ...rest] = parsed;
  if (!first || rest.length > 0) {
    throw new SubstitutionError({ message: `variable substitution turned ${ref} into ${parsed.length} objects` });
  }
  return first;
}
