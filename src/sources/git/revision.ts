// Flux revision strings: `main@sha1:<hex>`, `refs/heads/main@sha1:<hex>`, `sha1:<hex>`, legacy `main/<hex>`.

/** Hash algorithm of a Git object id, told apart by length (40 hex = sha1, 64 hex = sha256). */
export type GitHashAlgo = 'sha1' | 'sha256';

/** The parts of a revision string; `ref` is absent for a bare commit. */
export interface ParsedRevision {
  ref?: string;
  algo: GitHashAlgo;
  sha: string;
}

const HEX_BY_ALGO = { sha1: /^[0-9a-f]{40}$/, sha256: /^[0-9a-f]{64}$/ } as const;

/** Returns the algorithm of a full lowercase hex object id, or undefined when it is not one. */
export function hashAlgo(sha: string): GitHashAlgo | undefined {
  if (HEX_BY_ALGO.sha1.test(sha)) return 'sha1';
  if (HEX_BY_ALGO.sha256.test(sha)) return 'sha256';
  return undefined;
}

/** Drops `refs/heads/` or `refs/tags/` like Flux's short reference names; other refs stay as they are. */
export function shortRefName(ref: string): string {
  for (const prefix of ['refs/heads/', 'refs/tags/']) {
    if (ref.startsWith(prefix)) return ref.slice(prefix.length);
  }
  return ref;
}

/** Formats `<ref>@<algo>:<sha>`, or `<algo>:<sha>` without a ref; the ref is used verbatim (shorten it first). */
export function formatRevision(opts: { ref?: string; sha: string }): string {
  const algo = hashAlgo(opts.sha) ?? 'sha1';
  const digest = `${algo}:${opts.sha}`;
  return opts.ref === undefined || opts.ref === '' ? digest : `${opts.ref}@${digest}`;
}

/** Parses any Flux Git revision form (also legacy `main/<sha>` and a bare hex id); undefined when it is none of them. */
export function parseRevision(rev: string): ParsedRevision | undefined {
  const at = rev.lastIndexOf('@');
  const digest = at >= 0 ? rev.slice(at + 1) : rev;
  const ref = at >= 0 ? rev.slice(0, at) : undefined;
  const colon = digest.indexOf(':');
  if (colon >= 0) {
    const algo = digest.slice(0, colon);
    const sha = digest.slice(colon + 1).toLowerCase();
    if ((algo !== 'sha1' && algo !== 'sha256') || !HEX_BY_ALGO[algo].test(sha)) return undefined;
    if (ref === '') return undefined;
    return ref === undefined ? { algo, sha } : { ref, algo, sha };
  }
  if (ref !== undefined) return undefined;
  // Legacy forms from before Flux v2 API v1: `<ref>/<sha>` and a bare `<sha>`.
  const slash = rev.lastIndexOf('/');
  const sha = (slash >= 0 ? rev.slice(slash + 1) : rev).toLowerCase();
  const algo = hashAlgo(sha);
  if (algo === undefined) return undefined;
  if (slash < 0) return { algo, sha };
  const legacyRef = rev.slice(0, slash);
  return legacyRef === '' ? undefined : { ref: legacyRef, algo, sha };
}
