// Kubernetes label selectors as the API server reads them (`key`, `!key`, `key=value`, `key!=value`,
// `key in (a,b)`, `key notin (a,b)`): parsed once, then matched against labels or annotations. Pure.

// Kubernetes label syntax (apimachinery validation): a qualified name, optionally prefixed by a DNS subdomain.
const NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function checkKey(key: string): void {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (!prefix || prefix.length > 253 || !SUBDOMAIN.test(prefix)))
    throw new Error(`label key "${key}": the prefix must be a DNS subdomain (e.g. sharding.fluxcd.io)`);
  if (!name || name.length > 63 || !NAME.test(name))
    throw new Error(
      `label key "${key}": the name must be 1-63 characters, alphanumeric, '-', '_' or '.', starting and ending alphanumeric`,
    );
}

function checkValue(value: string): void {
  if (value === '') return;
  if (value.length > 63 || !NAME.test(value))
    throw new Error(
      `label value "${value}": must be at most 63 characters, alphanumeric, '-', '_' or '.', starting and ending alphanumeric`,
    );
}

/** One requirement of a label selector, as the API server reads it. */
export interface LabelRequirement {
  key: string;
  operator: 'exists' | 'notexists' | 'in' | 'notin';
  values: string[];
}

/**
 * Parses a label selector as Flux's `--watch-label-selector` (`metav1.ParseToLabelSelector`): comma-separated
 * `key`, `!key`, `key=value`, `key==value`, `key!=value`, `key in (a,b)`, `key notin (a,b)`. Throws, naming
 * the bad part, on anything else (including the `>`/`<` operators, which Flux refuses too).
 */
export function parseLabelSelector(selector: string): LabelRequirement[] {
  const s = selector.trim();
  if (!s) throw new Error('the label selector is empty');
  // Split on commas outside parentheses.
  const terms: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    if (depth < 0) throw new Error(`unbalanced ")" in label selector "${selector}"`);
    if (c === ',' && depth === 0) {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  if (depth !== 0) throw new Error(`unbalanced "(" in label selector "${selector}"`);
  terms.push(s.slice(start));
  return terms.map((raw) => {
    const term = raw.trim();
    if (!term) throw new Error(`empty requirement in label selector "${selector}"`);
    let m: RegExpExecArray | null;
    if ((m = /^!\s*([^\s=!<>(),]+)$/.exec(term))) {
      checkKey(m[1]!);
      return { key: m[1]!, operator: 'notexists', values: [] };
    }
    if ((m = /^([^\s=!<>(),]+)\s+(in|notin)\s*\(([^()]*)\)$/.exec(term))) {
      checkKey(m[1]!);
      const values = m[3]!.split(',').map((v) => v.trim());
      if (values.length === 1 && values[0] === '')
        throw new Error(`"${term}": ${m[2]} needs at least one value in label selector "${selector}"`);
      values.forEach(checkValue);
      return { key: m[1]!, operator: m[2] as 'in' | 'notin', values };
    }
    if ((m = /^([^\s=!<>(),]+)\s*(==|=|!=)\s*([^\s=!<>(),]*)$/.exec(term))) {
      checkKey(m[1]!);
      checkValue(m[3]!);
      return { key: m[1]!, operator: m[2] === '!=' ? 'notin' : 'in', values: [m[3]!] };
    }
    if (/^[^\s=!<>(),]+\s*[<>]/.test(term))
      throw new Error(`"${term}": the > and < operators are not supported in label selectors (as in Flux)`);
    if ((m = /^([^\s=!<>(),]+)$/.exec(term))) {
      checkKey(m[1]!);
      return { key: m[1]!, operator: 'exists', values: [] };
    }
    throw new Error(
      `"${term}" is not a label requirement (expected key, !key, key=value, key!=value, key in (a,b) or key notin (a,b))`,
    );
  });
}

/**
 * True when `labels` meet every requirement (apimachinery's semantics): `in` needs the key with one of
 * the values, `notin` (and `!=`) is met by a missing key too, `exists`/`notexists` look at the key only.
 */
export function matchesLabelSelector(
  requirements: readonly LabelRequirement[],
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  const of = labels ?? {};
  return requirements.every((r) => {
    const has = Object.hasOwn(of, r.key);
    switch (r.operator) {
      case 'exists':
        return has;
      case 'notexists':
        return !has;
      case 'in':
        return has && r.values.includes(of[r.key] as string);
      case 'notin':
        return !has || !r.values.includes(of[r.key] as string);
    }
  });
}

// The structured form (a `metav1.LabelSelector`: matchLabels and matchExpressions) as a predicate, with the
// API server's validation.

/** A `metav1.LabelSelector`. */
export interface LabelSelectorSpec {
  matchLabels?: Readonly<Record<string, string>> | undefined;
  matchExpressions?: readonly { key: string; operator: string; values?: readonly string[] | undefined }[] | undefined;
}

/** The selector is not valid (unknown operator, values where none belong, or missing where required). */
export class InvalidSelectorError extends Error {
  override readonly name = 'InvalidSelectorError';
}

const KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/** Compiles a selector; an absent selector matches everything. Throws InvalidSelectorError. */
export function labelSelectorMatcher(
  sel: LabelSelectorSpec | undefined,
): (labels: Readonly<Record<string, string>>) => boolean {
  const checks: ((l: Readonly<Record<string, string>>) => boolean)[] = [];
  for (const [k, v] of Object.entries(sel?.matchLabels ?? {})) {
    if (!KEY.test(k)) throw new InvalidSelectorError(`invalid label key "${k}"`);
    checks.push((l) => l[k] === v);
  }
  for (const e of sel?.matchExpressions ?? []) {
    if (!KEY.test(e.key)) throw new InvalidSelectorError(`invalid label key "${e.key}"`);
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0)
          throw new InvalidSelectorError(
            `values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty`,
          );
        checks.push(
          e.operator === 'In' ? (l) => values.includes(l[e.key] ?? '\0') : (l) => !values.includes(l[e.key] ?? '\0'),
        );
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0)
          throw new InvalidSelectorError(
            `values: Invalid value: ${JSON.stringify(values)}: values set must be empty for exists and does not exist`,
          );
        checks.push(e.operator === 'Exists' ? (l) => Object.hasOwn(l, e.key) : (l) => !Object.hasOwn(l, e.key));
        break;
      default:
        throw new InvalidSelectorError(`"${e.operator}" is not a valid label selector operator`);
    }
  }
  return (labels) => checks.every((c) => c(labels));
}
