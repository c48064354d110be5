// Shell-style pattern matching for the `#`, `##`, `%` and `%%` substitution operators.

type Matcher = { kind: 'star' } | { kind: 'one'; test: (ch: string) => boolean };

/**
 * Compiles a bash/Go `path.Match`-style pattern (`*` any run including `/`, `?` one character, `[a-z]`, `[!x]` or
 * `[^x]` classes, `\` escapes) into a whole-string matcher; returns undefined for a malformed pattern (unclosed
 * class), which callers treat as "no match" like Flux.
 */
export function compileGlob(pattern: string): ((text: string) => boolean) | undefined {
  const chars = [...pattern];
  const parts: Matcher[] = [];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as string;
    if (ch === '*') {
      if (parts.at(-1)?.kind !== 'star') parts.push({ kind: 'star' });
    } else if (ch === '?') {
      parts.push({ kind: 'one', test: () => true });
    } else if (ch === '[') {
      const end = parseClass(chars, i + 1);
      if (!end) return undefined;
      parts.push({ kind: 'one', test: end.test });
      i = end.next - 1;
    } else if (ch === '\\' && i + 1 < chars.length) {
      const lit = chars[++i] as string;
      parts.push({ kind: 'one', test: (c) => c === lit });
    } else {
      parts.push({ kind: 'one', test: (c) => c === ch });
    }
  }
  return (text) => matchParts(parts, [...text]);
}

function parseClass(chars: string[], start: number): { test: (ch: string) => boolean; next: number } | undefined {
  let i = start;
  const negate = chars[i] === '!' || chars[i] === '^';
  if (negate) i++;
  const ranges: [string, string][] = [];
  let first = true;
  while (i < chars.length && (chars[i] !== ']' || first)) {
    first = false;
    let lo = chars[i] as string;
    if (lo === '\\' && i + 1 < chars.length) lo = chars[++i] as string;
    let hi = lo;
    if (chars[i + 1] === '-' && i + 2 < chars.length && chars[i + 2] !== ']') {
      hi = chars[i + 2] as string;
      if (hi === '\\' && i + 3 < chars.length) {
        hi = chars[i + 3] as string;
        i++;
      }
      i += 2;
    }
    ranges.push([lo, hi]);
    i++;
  }
  if (i >= chars.length) return undefined;
  const test = (ch: string): boolean => ranges.some(([lo, hi]) => ch >= lo && ch <= hi) !== negate;
  return { test, next: i + 1 };
}

// Classic wildcard matching with one backtrack point: linear in practice, O(n·m) worst case, never exponential.
function matchParts(parts: Matcher[], text: string[]): boolean {
  let p = 0;
  let t = 0;
  let starP = -1;
  let starT = 0;
  while (t < text.length) {
    const part = parts[p];
    if (part?.kind === 'one' && part.test(text[t] as string)) {
      p++;
      t++;
    } else if (part?.kind === 'star') {
      starP = p++;
      starT = t;
    } else if (starP >= 0) {
      p = starP + 1;
      t = ++starT;
    } else {
      return false;
    }
  }
  while (parts[p]?.kind === 'star') p++;
  return p === parts.length;
}
