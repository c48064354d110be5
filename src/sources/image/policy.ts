// Tag selection of ImagePolicy and tag exclusion of ImageRepository, as image-reflector-controller does
// them: RE2 (linear-time) regular expressions through re2js, Masterminds-style semver ranges through the
// project's one range translator, Go's string and float orderings. Pure functions.
import { createHash } from 'node:crypto';
import type * as Re2js from 're2js';
import type { RE2JS } from 're2js';
import { lazyModule } from '../../util/lazy-module.ts';

import { compare, parse, satisfies, type SemVer } from 'semver';
import type { ImagePolicyChoice, TagFilter } from '../../api/image-policy.ts';
import { semverRange } from '../../util/semver-range.ts';

// Loaded on the first pattern (most installations compile none).
const re2js = lazyModule<typeof Re2js>('re2js');

/** How many tags `status.lastScanResult.latestTags` shows. */
export const LatestTagsCount = 10;

/** A policy that cannot be applied as written (Flux stalls with reason InvalidPolicy). */
export class InvalidPolicyError extends Error {
  override readonly name = 'InvalidPolicyError';
}

/** No tag satisfies the policy (Flux: Ready=False, reason Failure, retried). */
export class NoMatchingTagError extends Error {
  override readonly name = 'NoMatchingTagError';
}

function compileRe2(pattern: string, what: string): RE2JS {
  try {
    return re2js().RE2JS.compile(pattern);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new InvalidPolicyError(`${what} '${pattern}': ${detail}`);
  }
}

/**
 * The tags not matched (anywhere, as Go's MatchString) by any of `patterns`. Throws InvalidPolicyError
 * for a pattern that is not RE2 syntax, with Flux's "failed to compile regex" wording.
 */
export function excludeTags(tags: readonly string[], patterns: readonly string[]): string[] {
  const compiled = patterns.map((p) => compileRe2(p, 'failed to compile regex'));
  return tags.filter((tag) => !compiled.some((re) => re.matcher(tag).find()));
}

/** Sorts in place in descending byte order (Go's strings.Compare); returns the first 10. */
export function sortTagsAndGetLatest(tags: string[]): string[] {
  tags.sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
  return tags.slice(0, LatestTagsCount);
}

/** `sha256:<hex>` of the tags, one per line: the scan result's revision (Flux's tag store checksum). */
export function tagsRevision(sortedTags: readonly string[]): string {
  const h = createHash('sha256');
  for (const t of sortedTags) h.update(`${t}\n`);
  return `sha256:${h.digest('hex')}`;
}

/** A tag as Masterminds' lenient NewVersion reads it: `v` prefix, missing minor/patch as 0. */
export function parseLenientVersion(tag: string): SemVer | null {
  const m = /^v?(0|[1-9]\d*)(?:\.(0|[1-9]\d*))?(?:\.(0|[1-9]\d*))?(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.exec(tag);
  if (!m) return null;
  return parse(`${m[1]}.${m[2] ?? '0'}.${m[3] ?? '0'}${m[4] ?? ''}${m[5] ?? ''}`);
}

/** Go's strconv.ParseFloat over decimal forms (and Inf/NaN), or null. */
function parseGoFloat(s: string): number | null {
  if (/^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/.test(s)) return Number(s);
  if (/^[+-]?(?:inf|infinity)$/i.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  if (/^nan$/i.test(s)) return NaN;
  return null;
}

/** A policy: the latest of a non-empty list of (possibly extracted) tags. */
export type Policer = (tags: readonly string[]) => string;

/** The policer `spec.policy` describes; InvalidPolicyError for a range that parses as nothing or no choice. */
export function policerFromSpec(choice: ImagePolicyChoice): Policer {
  if (choice.semver) {
    const constraint = choice.semver.range;
    const range = semverRange(constraint);
    if (range === null) throw new InvalidPolicyError(`invalid policy: improper constraint: ${constraint}`);
    return (tags) => {
      let best: { tag: string; v: SemVer } | undefined;
      for (const tag of tags) {
        const v = parseLenientVersion(tag);
        if (v === null || !satisfies(v, range)) continue;
        if (best === undefined || compare(v, best.v) > 0) best = { tag, v };
      }
      if (!best) throw new NoMatchingTagError('unable to determine latest version from provided list');
      return best.tag;
    };
  }
  if (choice.alphabetical) {
    const desc = orderOf(choice.alphabetical.order) === 'DESC';
    return (tags) => {
      let best = tags[0]!;
      for (const t of tags) if (desc ? t < best : t > best) best = t;
      return best;
    };
  }
  if (choice.numerical) {
    const desc = orderOf(choice.numerical.order) === 'DESC';
    return (tags) => {
      let latest = '';
      let pv = 0;
      tags.forEach((tag, i) => {
        const cv = parseGoFloat(tag);
        if (cv === null) throw new NoMatchingTagError(`failed to parse invalid numeric value '${tag}'`);
        if (i !== 0 && ((!desc && cv < pv) || (desc && cv > pv))) return;
        latest = tag;
        pv = cv;
      });
      return latest;
    };
  }
  throw new InvalidPolicyError('invalid policy: given ImagePolicyChoice object is invalid');
}

function orderOf(order: string | undefined): 'ASC' | 'DESC' {
  const o = (order ?? '').toUpperCase() || 'ASC';
  if (o !== 'ASC' && o !== 'DESC') {
    throw new InvalidPolicyError(`invalid policy: invalid order argument provided: '${o}', must be one of: ASC, DESC`);
  }
  return o;
}

/**
 * Go's Regexp.Expand of `template` for one match: `$1`, `$name`, `${name}` (the longest run of letters,
 * digits and `_` after `$`), `$$` a dollar; an unknown or unmatched group expands to nothing.
 */
export function expandTemplate(template: string, group: (name: string) => string | null): string {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    if (c !== '$') {
      out += c;
      continue;
    }
    const rest = template.slice(i + 1);
    if (rest.startsWith('$')) {
      out += '$';
      i++;
      continue;
    }
    const m = /^\{([A-Za-z0-9_]+)\}/.exec(rest) ?? /^([A-Za-z0-9_]+)/.exec(rest);
    if (!m) {
      out += '$';
      continue;
    }
    out += group(m[1]!) ?? '';
    i += m[0].length;
  }
  return out;
}

/**
 * Applies `filterTags`: keeps the tags the pattern matches (anywhere), each mapped to its extracted value
 * (or itself); a later tag with the same value replaces an earlier one, as in Flux's map.
 */
export function filterTags(tags: readonly string[], filter: TagFilter): Map<string, string> {
  const re = compileRe2(filter.pattern ?? '', 'failed to filter tags: invalid regular expression pattern');
  const names = new Set(Object.keys(re.namedGroups?.() ?? {}));
  const out = new Map<string, string>();
  for (const tag of tags) {
    const m = re.matcher(tag);
    if (!m.find()) continue;
    let value = tag;
    if (filter.extract) {
      value = expandTemplate(filter.extract, (name) => {
        if (/^\d+$/.test(name)) {
          const n = Number(name);
          return n <= m.groupCount() ? m.group(n) : null;
        }
        return names.has(name) ? m.group(name) : null;
      });
    }
    out.set(value, tag);
  }
  return out;
}

/**
 * The latest tag of `tags` by the policy, after `filterTags` (the original tag, not the extracted
 * value). Throws InvalidPolicyError (stall) or NoMatchingTagError (retry).
 */
export function selectLatestTag(tags: readonly string[], policy: ImagePolicyChoice, filter?: TagFilter): string {
  const policer = policerFromSpec(policy);
  if (!filter) {
    if (tags.length === 0) throw new NoMatchingTagError('version list argument cannot be empty');
    return policer(tags);
  }
  const filtered = filterTags(tags, filter);
  if (filtered.size === 0) throw new NoMatchingTagError('version list argument cannot be empty');
  return filtered.get(policer([...filtered.keys()]))!;
}
