// The two glob dialects of Flux's ArtifactGenerator: Go's `path.Match` (the `from` patterns, where `**`
// is just `*`: one path segment) and doublestar (`exclude`, and `from` with the Extract strategy, where a
// `**` segment spans any number of directories).

/** A malformed pattern (unclosed `[` or `{`, a trailing `\`), as Go's `ErrBadPattern`. */
export class BadPatternError extends Error {
  override readonly name = 'BadPatternError';
  constructor(pattern: string) {
    super(`syntax error in pattern '${pattern}'`);
  }
}

/** True when the path holds a glob metacharacter, as source-watcher's `containsGlobChars` (`*?[]`). */
export const containsGlobChars = (p: string): boolean => /[*?[\]]/.test(p);

const escapeRe = (c: string): string => c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

/**
 * Translates one pattern (no `/` crossing) to a regular expression source: `*` is any run of characters
 * but `/`, `?` one such character, `[...]` a class (`^`, and in doublestar also `!`, negate), `\` escapes.
 */
function segmentSource(pattern: string, whole: string, doublestar: boolean): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') {
      out += '[^/]*';
    } else if (c === '?') {
      out += '[^/]';
    } else if (c === '\\') {
      if (i + 1 >= pattern.length) throw new BadPatternError(whole);
      out += escapeRe(pattern[++i]!);
    } else if (c === '[') {
      let j = i + 1;
      let cls = '';
      if (pattern[j] === '^' || (doublestar && pattern[j] === '!')) {
        cls += '^';
        j++;
      }
      let closed = false;
      let first = true;
      for (; j < pattern.length; j++) {
        const d = pattern[j]!;
        if (d === ']' && !first) {
          closed = true;
          break;
        }
        first = false;
        if (d === '\\') {
          if (j + 1 >= pattern.length) throw new BadPatternError(whole);
          cls += escapeRe(pattern[++j]!);
        } else if (d === '-' && cls !== '' && cls !== '^' && pattern[j + 1] !== ']') {
          cls += '-';
        } else {
          cls += escapeRe(d);
        }
      }
      if (!closed || cls === '' || cls === '^') throw new BadPatternError(whole);
      // A negated class never matches the separator either.
      out += cls.startsWith('^') ? `[${cls}/]` : `[${cls}]`;
      i = j;
    } else if (c === ']' && !doublestar) {
      throw new BadPatternError(whole);
    } else {
      out += escapeRe(c);
    }
  }
  return out;
}

/** Go's `path.Match`: the whole name must match; `*` and `?` never match `/`. Throws BadPatternError. */
export function goMatch(pattern: string, name: string): boolean {
  return new RegExp(`^${segmentSource(pattern, pattern, false)}$`, 's').test(name);
}

/** Checks a Go pattern's syntax (what `fs.Glob` rejects), throwing BadPatternError. */
export function validateGoPattern(pattern: string): void {
  segmentSource(pattern, pattern, false);
}

/** Expands `{a,b}` alternatives (nested allowed) into plain doublestar patterns. */
function expandBraces(pattern: string, whole: string): string[] {
  let depth = 0;
  let start = -1;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '{') {
      if (depth++ === 0) start = i;
    } else if (c === '}' && depth > 0 && --depth === 0) {
      const inner = pattern.slice(start + 1, i);
      const alternatives: string[] = [];
      let level = 0;
      let from = 0;
      for (let k = 0; k < inner.length; k++) {
        if (inner[k] === '\\') k++;
        else if (inner[k] === '{') level++;
        else if (inner[k] === '}') level--;
        else if (inner[k] === ',' && level === 0) {
          alternatives.push(inner.slice(from, k));
          from = k + 1;
        }
      }
      alternatives.push(inner.slice(from));
      const head = pattern.slice(0, start);
      const tail = pattern.slice(i + 1);
      return alternatives.flatMap((alt) => expandBraces(head + alt + tail, whole));
    }
  }
  if (depth > 0) throw new BadPatternError(whole);
  return [pattern];
}

/** A compiled doublestar pattern: segments, `**` standing for any number of them. */
type Compiled = (RegExp | '**')[];

const compiledCache = new Map<string, Compiled[]>();

function compileDoublestar(pattern: string): Compiled[] {
  const hit = compiledCache.get(pattern);
  if (hit) return hit;
  const compiled = expandBraces(pattern, pattern).map((p) =>
    p
      .split('/')
      .map((seg): RegExp | '**' => (seg === '**' ? '**' : new RegExp(`^${segmentSource(seg, pattern, true)}$`, 's'))),
  );
  if (compiledCache.size > 1000) compiledCache.clear();
  compiledCache.set(pattern, compiled);
  return compiled;
}

function matchSegments(pattern: Compiled, pi: number, parts: readonly string[], si: number): boolean {
  if (pi === pattern.length) return si === parts.length;
  const seg = pattern[pi]!;
  if (seg === '**') {
    for (let k = si; k <= parts.length; k++) if (matchSegments(pattern, pi + 1, parts, k)) return true;
    return false;
  }
  return si < parts.length && seg.test(parts[si]!) && matchSegments(pattern, pi + 1, parts, si + 1);
}

/** doublestar's `Match`: `**` as a whole segment matches zero or more directories. Throws BadPatternError. */
export function doublestarMatch(pattern: string, name: string): boolean {
  const parts = name.split('/');
  return compileDoublestar(pattern).some((p) => matchSegments(p, 0, parts, 0));
}

/** Checks a doublestar pattern's syntax, throwing BadPatternError (source-watcher matches it against "."). */
export function validateDoublestarPattern(pattern: string): void {
  compileDoublestar(pattern);
}

/**
 * source-watcher's exclude rule: a path is excluded when a pattern matches it, or, for a pattern without
 * `/` (such as `*.md`), its file name.
 */
export function isExcluded(filePath: string, patterns: readonly string[]): boolean {
  const base = filePath.slice(filePath.lastIndexOf('/') + 1);
  return patterns.some((p) => doublestarMatch(p, filePath) || (!p.includes('/') && doublestarMatch(p, base)));
}
