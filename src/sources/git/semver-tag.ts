// Tag selection for `.spec.ref.semver`: parse `git ls-remote` output, pick the highest satisfying version.
import { compareBuild, parse, satisfies } from 'semver';
import { semverRange } from '../../util/semver-range.ts';

/** One line of `git ls-remote`: object id and full ref name (`^{}` peeled entries are folded into `peeled`). */
export interface RemoteRef {
  name: string;
  sha: string;
  /** For an annotated tag, the commit it points to. */
  peeled?: string;
}

/** Parses `git ls-remote` output; peeled `^{}` lines become `peeled` on their tag instead of extra entries. */
export function parseLsRemote(output: string): RemoteRef[] {
  const refs = new Map<string, RemoteRef>();
  const peeled = new Map<string, string>();
  for (const line of output.split('\n')) {
    const match = /^([0-9a-f]{40}|[0-9a-f]{64})\t(\S+)$/.exec(line.trim());
    if (match === null) continue;
    const [, sha = '', name = ''] = match;
    if (name.endsWith('^{}')) peeled.set(name.slice(0, -3), sha);
    else refs.set(name, { name, sha });
  }
  for (const [name, sha] of peeled) {
    const ref = refs.get(name);
    if (ref !== undefined) ref.peeled = sha;
  }
  return [...refs.values()];
}

/**
 * Returns the tag name (without `refs/tags/`) with the highest version in `constraint` (Flux's syntax,
 * commas included), or undefined, also for a constraint that does not parse; a leading `v` is fine.
 */
export function pickSemverTag(tags: readonly string[], constraint: string): string | undefined {
  const range = semverRange(constraint);
  if (range === null) return undefined;
  let best: { tag: string; version: NonNullable<ReturnType<typeof parse>> } | undefined;
  for (const raw of tags) {
    const tag = raw.startsWith('refs/tags/') ? raw.slice('refs/tags/'.length) : raw;
    const version = parse(tag);
    if (version === null || !satisfies(version, range)) continue;
    // Equal versions (`v1.0.0` and `1.0.0`) tie-break on the tag name so the pick is deterministic.
    const order = best === undefined ? 1 : compareBuild(version, best.version) || (tag > best.tag ? 1 : -1);
    if (order > 0) best = { tag, version };
  }
  return best?.tag;
}
