// Kubernetes label selectors (matchLabels and matchExpressions) as a predicate, with the API server's validation.

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
