// Flux writes semver constraints in the Masterminds (Go) dialect; the `semver` package speaks npm's.
// This is the one place that translates, so every field that takes a range accepts the same input.
import { Range, valid } from 'semver';

/**
 * Translates a Masterminds-style constraint (what Flux accepts in `ref.semver` and version fields) into
 * an npm range string for `satisfies`/`maxSatisfying`: `,` and spaces mean AND, `||` means OR,
 * `!=1.2.3` excludes one version, and npm forms (`~`, `^`, `1.x`, `1.2 - 1.4`, `>= 1.0`, `v1.0.0`) keep
 * their meaning. Returns null for an empty or unparsable constraint instead of throwing.
 */
export function semverRange(constraint: string): string | null {
  const alternatives = constraint.split('||').map((a) => a.trim());
  if (alternatives.some((a) => a === '')) return null;
  const sets: string[][] = [];
  for (const alternative of alternatives) {
    const expanded = comparatorSets(alternative);
    if (expanded === null) return null;
    sets.push(...expanded);
  }
  const range = sets.map((s) => s.filter((c) => c !== '').join(' ') || '*').join(' || ');
  try {
    return new Range(range).range || '*';
  } catch {
    return null;
  }
}

/** The comparator sets (each an AND) that one `||`-free alternative means; `!=` splits a set in two. */
function comparatorSets(alternative: string): string[][] | null {
  let sets: string[][] = [[]];
  for (const part of alternative.split(',').map((p) => p.trim())) {
    if (part === '') return null;
    const excluded = /^!=\s*v?(\S+)$/.exec(part)?.[1];
    if (excluded !== undefined) {
      if (valid(excluded) === null) return null;
      sets = sets.flatMap((s) => [
        [...s, `<${excluded}`],
        [...s, `>${excluded}`],
      ]);
      continue;
    }
    const comparators = parsePart(part);
    if (comparators === null) return null;
    sets = sets.map((s) => [...s, ...comparators]);
  }
  return sets;
}

/** One comma-separated part (itself possibly a space-separated AND or a hyphen range) as comparators. */
function parsePart(part: string): string[] | null {
  try {
    const set = new Range(part).set;
    // `||` was split off already, so a part is exactly one comparator set.
    return set.length === 1 && set[0] ? set[0].map((c) => c.value) : null;
  } catch {
    return null;
  }
}
