// OCI addresses and references: `oci://<registry>/<repository>`, tags, digests, and which tag a
// semver range picks. Pure functions; the client and the reconciler build on them.
import { parse, satisfies } from 'semver';
import type * as Re2js from 're2js';
import type { RE2JS } from 're2js';
import { lazyModule } from '../../util/lazy-module.ts';

import { semverRange } from '../../util/semver-range.ts';
import { pickSemverTag } from '../git/semver-tag.ts';
import { OciNotFoundError, OciUrlError } from './errors.ts';

// Loaded on the first pattern (most installations compile none).
const re2js = lazyModule<typeof Re2js>('re2js');

/** The scheme prefix of an OCIRepository URL. */
export const OciScheme = 'oci://';

/** The registry Docker-style names without a host resolve to, as Flux's registry library does. */
export const DefaultRegistry = 'index.docker.io';

/** A repository in a registry: `registry` is `host[:port]`, `repository` the path (`org/app`). */
export interface OciRepositoryAddress {
  registry: string;
  repository: string;
}

// The distribution spec's repository name grammar: lowercase path components separated by `/`.
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const REPOSITORY = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

/**
 * Parses `oci://<host>[:port]/<path>`. A first path part without a dot, a colon or `localhost` is a
 * Docker Hub name (`oci://org/app` is `index.docker.io/org/app`, single names get `library/`), as
 * in Flux. A tag or digest in the URL is refused: it belongs in `spec.ref`.
 */
export function parseOciUrl(url: string): OciRepositoryAddress {
  if (!url.startsWith(OciScheme)) throw new OciUrlError(`URL must be in format 'oci://<domain>/<org>/<repo>'`);
  const rest = url.slice(OciScheme.length).replace(/\/+$/, '');
  const slash = rest.indexOf('/');
  const first = slash < 0 ? rest : rest.slice(0, slash);
  let registry: string;
  let repository: string;
  if (slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    registry = first;
    repository = rest.slice(slash + 1);
  } else {
    registry = DefaultRegistry;
    repository = rest.includes('/') ? rest : `library/${rest}`;
  }
  if (repository.includes('@')) {
    throw new OciUrlError(`URL must not contain a digest; remove '@${repository.split('@')[1] ?? ''}'`);
  }
  const colon = repository.lastIndexOf(':');
  if (colon >= 0) throw new OciUrlError(`URL must not contain a tag; remove ':${repository.slice(colon + 1)}'`);
  if (!/^[A-Za-z0-9.-]+(?::[0-9]+)?$|^\[[0-9a-fA-F:]+\](?::[0-9]+)?$/.test(registry)) {
    throw new OciUrlError(`registry '${registry}' is not a valid host[:port]`);
  }
  if (!REPOSITORY.test(repository)) {
    throw new OciUrlError(
      `repository '${repository}' is not a valid name (lowercase letters, digits and . _ - separators, parts joined by '/')`,
    );
  }
  return { registry, repository };
}

/**
 * Parses `oci://<host>/<path>:<tag>` (what `flux push artifact` takes) into the repository and the tag;
 * the tag defaults to `latest`.
 */
export function parseOciArtifactUrl(url: string): OciRepositoryAddress & { tag: string } {
  const slash = url.lastIndexOf('/');
  const colon = url.lastIndexOf(':');
  const hasTag = colon > slash && slash > OciScheme.length;
  const tag = hasTag ? url.slice(colon + 1) : DefaultTag;
  if (!isValidTag(tag)) throw new OciUrlError(`tag '${tag}' is not a valid OCI tag`);
  return { ...parseOciUrl(hasTag ? url.slice(0, colon) : url), tag };
}

/** True for `localhost`, 127.0.0.0/8 and `[::1]` hosts. */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.startsWith('[') ? registry.slice(0, registry.indexOf(']') + 1) : registry.split(':')[0];
  return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host ?? '');
}

/** True for an RFC 1918 private IPv4 address (10/8, 172.16/12, 192.168/16). */
export function isPrivateRegistry(registry: string): boolean {
  const m = /^(\d+)\.(\d+)\.\d+\.\d+(?::\d+)?$/.exec(registry);
  if (!m) return false;
  const [a, b] = [Number(m[1]), Number(m[2])];
  return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
}

/**
 * Whether plain HTTP may be used when HTTPS fails, as Flux's registry library decides: with `insecure`,
 * and for loopback and RFC 1918 registries. HTTPS is always tried first.
 */
export function plainHttpAllowed(registry: string, insecure: boolean): boolean {
  return insecure || isLoopbackRegistry(registry) || isPrivateRegistry(registry);
}

/** True for a tag the distribution spec accepts. */
export function isValidTag(tag: string): boolean {
  return TAG.test(tag);
}

/** True for `sha256:<64 hex>`, the only digest algorithm Driftless verifies. */
export function isValidDigest(digest: string): boolean {
  return DIGEST.test(digest);
}

/** `spec.ref` of an OCIRepository. */
export interface OciRefSpec {
  digest?: string;
  semver?: string;
  semverFilter?: string;
  tag?: string;
}

/** What to pull: a digest, the highest tag in a semver range (optionally filtered by a Go regexp), or a tag. */
export type OciRefChoice =
  | { kind: 'digest'; digest: string }
  | { kind: 'semver'; range: string; filter?: string }
  | { kind: 'tag'; tag: string };

/** The tag Flux pulls when `spec.ref` names nothing. */
export const DefaultTag = 'latest';

/** Flux's precedence: `digest` over `semver` over `tag`; no ref at all means the `latest` tag. */
export function chooseRef(ref: OciRefSpec | undefined): OciRefChoice {
  if (ref?.digest) {
    if (!isValidDigest(ref.digest)) {
      throw new OciUrlError(`digest '${ref.digest}' in spec.ref.digest is not in the form 'sha256:<64 hex digits>'`);
    }
    return { kind: 'digest', digest: ref.digest };
  }
  if (ref?.semver)
    return { kind: 'semver', range: ref.semver, ...(ref.semverFilter ? { filter: ref.semverFilter } : {}) };
  const tag = ref?.tag || DefaultTag;
  if (!isValidTag(tag)) throw new OciUrlError(`tag '${tag}' in spec.ref.tag is not a valid OCI tag`);
  return { kind: 'tag', tag };
}

/**
 * The tag with the highest version in `range` among `tags`, after keeping only those `filter` (a Go
 * regular expression, as Flux's `semverFilter`) matches. Tags like `v1.2.3` and `1.2` count as versions,
 * as in Flux. Throws OciUrlError for a bad filter, OciNotFoundError when nothing matches.
 */
export function pickTagBySemver(tags: readonly string[], range: string, filter?: string): string {
  let candidates = tags;
  if (filter) {
    try {
      candidates = tagsMatching(tags, filter);
    } catch (err) {
      throw new OciUrlError(`semverFilter '${filter}' is not a valid Go regular expression: ${(err as Error).message}`);
    }
  }
  // Flux parses tags leniently (`1.2` is 1.2.0); the picker speaks full versions, so map padded forms back.
  const byVersionName = new Map<string, string>();
  for (const tag of candidates) {
    const padded = lenientVersion(tag);
    if (padded !== undefined && !byVersionName.has(padded)) byVersionName.set(padded, tag);
  }
  const picked = pickSemverTag([...byVersionName.keys()], range);
  if (picked === undefined) throw new OciNotFoundError(`no match found for semver: ${range}`);
  return byVersionName.get(picked) ?? picked;
}

/**
 * The tags `flux list artifacts --filter-semver` keeps: full versions (`x.y.z`, a leading `v` allowed) that
 * `range` (Masterminds syntax) admits. Throws OciUrlError for a range that does not parse.
 */
export function tagsInSemverRange(tags: readonly string[], range: string): string[] {
  const npmRange = semverRange(range);
  if (npmRange === null) throw new OciUrlError(`semver '${range}' parse error`);
  return tags.filter((t) => t.split('.').length >= 3 && parse(t) !== null && satisfies(parse(t)!, npmRange));
}

/** The tags a Go regular expression matches somewhere (Flux's `--filter-regex`); OciUrlError when it does not compile. */
export function tagsMatching(tags: readonly string[], pattern: string): string[] {
  let re: RE2JS;
  try {
    re = re2js().RE2JS.compile(pattern);
  } catch (err) {
    throw new OciUrlError(`regex '${pattern}' parse error: ${(err as Error).message}`);
  }
  return tags.filter((t) => re.matcher(t).find());
}

/** `tag` as a full `x.y.z[-pre][+build]` version string, or undefined when it is not a version at all. */
function lenientVersion(tag: string): string | undefined {
  if (parse(tag) !== null) return tag;
  const m = /^v?(\d+)(?:\.(\d+))?(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.exec(tag);
  if (!m) return undefined;
  const full = `${m[1]}.${m[2] ?? '0'}.0${m[3] ?? ''}${m[4] ?? ''}`;
  return parse(full) === null ? undefined : full;
}
