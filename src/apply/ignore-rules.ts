// Drift-ignore rules (Kustomization `spec.ignore`, HelmRelease `spec.driftDetection.ignore`): JSON pointers
// (RFC 6901) left out of drift detection and correction on the objects a target selector picks. Pure.
import type { KubeObject } from '../kube/types.ts';
import { isRecord } from '../util/is-record.ts';
import { matchesLabelSelector, parseLabelSelector, type LabelRequirement } from '../util/label-selector.ts';

/** The object selector of a rule (the same as a kustomize patch target): regexes, and label selectors. */
export interface IgnoreTarget {
  group?: string | undefined;
  version?: string | undefined;
  kind?: string | undefined;
  name?: string | undefined;
  namespace?: string | undefined;
  labelSelector?: string | undefined;
  annotationSelector?: string | undefined;
}

/** One rule as written in a spec: `paths` on every object, or only on those `target` selects. */
export interface IgnoreRuleSpec {
  paths: readonly string[];
  target?: IgnoreTarget | undefined;
}

/** A checked rule: its pointers parsed, its selector compiled. */
export interface CompiledIgnoreRule {
  paths: readonly string[];
  matches: (obj: KubeObject) => boolean;
}

/** A rule that cannot be used; the message names the field (e.g. `spec.ignore[0].paths[1]`). */
export class IgnoreRuleError extends Error {
  override readonly name = 'IgnoreRuleError';
}

/**
 * The reference tokens of an RFC 6901 pointer (`~1` is `/`, `~0` is `~`). Throws on anything else,
 * including the empty pointer: it would select the whole object, which no apply can leave out.
 */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') throw new Error('the empty pointer selects the whole object');
  if (!pointer.startsWith('/')) throw new Error('a JSON pointer starts with "/"');
  if (/~(?![01])/.test(pointer)) throw new Error('"~" must be escaped as "~0" ("/" as "~1")');
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'));
}

// Go's regexp.MatchString on the anchored pattern, as Flux (and kustomize) match targets.
function regex(field: string, pattern: string | undefined): ((value: string) => boolean) | undefined {
  if (!pattern) return undefined;
  let re: RegExp;
  try {
    re = new RegExp(`^(?:${pattern})$`);
  } catch (err) {
    throw new IgnoreRuleError(`${field}: invalid regular expression: ${(err as Error).message}`);
  }
  return (value) => re.test(value);
}

function selector(field: string, expr: string | undefined): LabelRequirement[] | undefined {
  if (!expr) return undefined;
  try {
    return parseLabelSelector(expr);
  } catch (err) {
    throw new IgnoreRuleError(`${field}: ${(err as Error).message}`);
  }
}

function compileTarget(field: string, t: IgnoreTarget | undefined): (obj: KubeObject) => boolean {
  if (!t) return () => true;
  const group = regex(`${field}.group`, t.group);
  const version = regex(`${field}.version`, t.version);
  const kind = regex(`${field}.kind`, t.kind);
  const name = regex(`${field}.name`, t.name);
  const namespace = regex(`${field}.namespace`, t.namespace);
  const labels = selector(`${field}.labelSelector`, t.labelSelector);
  const annotations = selector(`${field}.annotationSelector`, t.annotationSelector);
  return (obj) => {
    const slash = obj.apiVersion.lastIndexOf('/');
    const g = slash >= 0 ? obj.apiVersion.slice(0, slash) : '';
    const v = obj.apiVersion.slice(slash + 1);
    return (
      (!namespace || namespace(obj.metadata.namespace ?? '')) &&
      (!name || name(obj.metadata.name)) &&
      (!group || group(g)) &&
      (!version || version(v)) &&
      (!kind || kind(obj.kind)) &&
      (!labels || matchesLabelSelector(labels, obj.metadata.labels)) &&
      (!annotations || matchesLabelSelector(annotations, obj.metadata.annotations))
    );
  };
}

/**
 * Checks and compiles the rules of `field` (e.g. `spec.ignore`). Throws IgnoreRuleError naming the first
 * bad pointer or selector, so a typo fails the reconcile instead of silently ignoring nothing.
 */
export function compileIgnoreRules(rules: readonly IgnoreRuleSpec[], field: string): CompiledIgnoreRule[] {
  return rules.map((rule, i) => {
    rule.paths.forEach((p, j) => {
      try {
        parsePointer(p);
      } catch (err) {
        throw new IgnoreRuleError(
          `${field}[${i}].paths[${j}] "${p}" is not a JSON pointer (RFC 6901, e.g. "/spec/replicas"): ${(err as Error).message}`,
        );
      }
    });
    return { paths: [...rule.paths], matches: compileTarget(`${field}[${i}].target`, rule.target) };
  });
}

/** The pointers of every rule whose target selects `obj`, without repeats. */
export function ignoredPathsFor(rules: readonly CompiledIgnoreRule[], obj: KubeObject): string[] {
  return [...new Set(rules.filter((r) => r.matches(obj)).flatMap((r) => r.paths))];
}

const isIndex = (token: string): boolean => /^(0|[1-9][0-9]*)$/.test(token);

// Follows `tokens` from `doc`; `found` false when any step is missing.
function walk(doc: unknown, tokens: readonly string[]): { found: boolean; value?: unknown } {
  let node = doc;
  for (const t of tokens) {
    if (Array.isArray(node) && isIndex(t) && Number(t) < node.length) node = node[Number(t)];
    else if (isRecord(node) && Object.hasOwn(node, t)) node = node[t];
    else return { found: false };
  }
  return { found: true, value: node };
}

/** The value at `pointer`; `found` false when any step is missing. */
export function valueAt(doc: unknown, pointer: string): { found: boolean; value?: unknown } {
  return walk(doc, parsePointer(pointer));
}

/** Removes the value at `pointer` in place; a missing path is left as it is. */
export function removeAt(doc: unknown, pointer: string): void {
  const tokens = parsePointer(pointer);
  const last = tokens.pop() as string;
  const parent = walk(doc, tokens);
  if (!parent.found) return;
  const node = parent.value;
  if (Array.isArray(node) && isIndex(last) && Number(last) < node.length) node.splice(Number(last), 1);
  else if (isRecord(node)) delete node[last];
}

/**
 * Sets the value at `pointer` in place, creating missing mappings on the way; a step through an array
 * index that does not exist is left alone (returns false).
 */
export function setAt(doc: unknown, pointer: string, value: unknown): boolean {
  const tokens = parsePointer(pointer);
  const last = tokens.pop() as string;
  let node = doc;
  for (const t of tokens) {
    if (Array.isArray(node)) {
      if (!isIndex(t) || Number(t) >= node.length) return false;
      node = node[Number(t)];
    } else if (isRecord(node)) {
      if (!isRecord(node[t]) && !Array.isArray(node[t])) node[t] = {};
      node = node[t];
    } else return false;
  }
  if (Array.isArray(node)) {
    if (!isIndex(last) || Number(last) >= node.length) return false;
    node[Number(last)] = value;
    return true;
  }
  if (!isRecord(node)) return false;
  node[last] = value;
  return true;
}

/** A deep copy of `obj` without the values at `paths`. */
export function withoutPaths<T>(obj: T, paths: readonly string[]): T {
  const copy = structuredClone(obj);
  for (const p of paths) removeAt(copy, p);
  return copy;
}
