// Fetch one GitRepository revision into a directory with the git CLI, following Flux's ref rules and revision format.
import { lstat, mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { GitAuthError, GitOperationError } from './errors.ts';
import { withGitSession, type GitSession, type GitSessionOptions } from './git-session.ts';
import { lsRemote } from './list-remote-refs.ts';
import { describeRef, planRef, type GitRef, type RefPlan } from './ref.ts';
import { formatRevision, shortRefName } from './revision.ts';
import { pickSemverTag } from './semver-tag.ts';

/** Options of `fetchRevision`; `timeoutMs` (default 60000) bounds the whole fetch, `signal` cancels it. */
export interface FetchRevisionOptions extends GitSessionOptions {
  /** `.spec.ref`; default `{ branch: 'master' }`. */
  ref?: GitRef;
  /** Empty (or missing) directory to check the revision out into; `.git` is left inside it. */
  dir: string;
  /**
   * `.spec.sparseCheckout`: only these directories (relative to the repository root, a leading `./`
   * dropped) are checked out, as Flux's sparse checkout does; each must exist in the commit.
   */
  sparseCheckout?: readonly string[];
  /**
   * `.spec.recurseSubmodules`: check out every submodule (recursively) at the commit the tree pins, with
   * the same credentials (HTTP ones only for the repository's own host); relative URLs resolve against `url`.
   */
  recurseSubmodules?: boolean;
}

/** The checked-out revision. */
export interface FetchedRevision {
  /** Flux revision: `main@sha1:<hex>`, `v1.2.3@sha1:<hex>`, `refs/pull/1/head@sha1:<hex>` or `sha1:<hex>`. */
  revision: string;
  /** Full commit id. */
  commit: string;
  /** Full commit message, trailing newlines removed. */
  message: string;
  /** Committer time. */
  commitTime: Date;
  /** Full ref that was resolved (`refs/heads/main`, `refs/tags/v1.2.3`, `.spec.ref.name`), `''` for a bare commit. */
  ref: string;
  /** The tag, when the ref is one under `refs/tags/` (for verifying its signature). */
  tag?: FetchedTag;
}

/** A tag that was fetched: its short name, and the id of its tag object when it is annotated. */
export interface FetchedTag {
  name: string;
  /** Id of the annotated tag object; absent for a lightweight tag. */
  object?: string;
}

const FETCHED = 'refs/driftless/fetched';
const TAGS = 'refs/tags/';

interface Resolved {
  sha: string;
  /** Full ref, or '' for a bare commit. */
  ref: string;
  /** Ref as it appears in the revision string. */
  revisionRef: string;
  tag?: FetchedTag;
}

/** Fetches and checks out the revision `ref` selects; throws `GitAuthError`, `GitOperationError` or `GitUrlError`. */
export async function fetchRevision(opts: FetchRevisionOptions): Promise<FetchedRevision> {
  const dir = path.resolve(opts.dir);
  return withGitSession(opts, async (session) => {
    const plan = planRef(opts.ref);
    const label = describeRef(plan);
    await ensureEmptyDir(dir, session.shownUrl, label);
    const local = (args: string[], action: string): Promise<string> =>
      session.git(args, { cwd: dir, action, ref: label });
    await session.git(['init', '-q', '--template=', '--', dir], { action: 'create a work tree for', ref: label });
    const resolved = await resolve(session, plan, dir, label);
    const sparse = opts.sparseCheckout?.map(sparseDir);
    if (sparse !== undefined && sparse.length > 0) {
      // Non-cone patterns anchored at the root select exactly these directories (no root-level files),
      // which is what Flux's checkout of sparse directories gives.
      await local(
        ['sparse-checkout', 'set', '--no-cone', '--', ...sparse.map(sparsePattern)],
        'set up sparse checkout of',
      );
    }
    await local(['checkout', '-q', '--detach', resolved.sha], 'check out');
    if (sparse !== undefined) await requireSparseDirs(dir, sparse, session.shownUrl, label);
    if (opts.recurseSubmodules) {
      // Relative submodule URLs (`../lib.git`) resolve against the origin remote, so name it.
      await local(['config', 'remote.origin.url', session.url], 'configure the remote of');
      await local(['submodule', 'update', '--init', '--recursive', '--depth=1'], 'check out the submodules of');
      await removeGitlinkFiles(dir);
    }
    const log = await local(
      ['log', '-1', '--no-show-signature', '--format=%H%x00%ct%x00%B', resolved.sha, '--'],
      'read the commit of',
    );
    const [commit = '', time = '0', ...message] = log.split('\0');
    return {
      revision: formatRevision({ ref: resolved.revisionRef, sha: commit }),
      commit,
      message: message.join('\0').replace(/\n+$/, ''),
      commitTime: new Date(Number(time) * 1000),
      ref: resolved.ref,
      ...(resolved.tag ? { tag: resolved.tag } : {}),
    };
  });
}

/** A `.spec.sparseCheckout` entry as a repository-relative directory: `./` and trailing `/` dropped. */
export function sparseDir(entry: string): string {
  return entry.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
}

/** The non-cone sparse-checkout pattern selecting exactly directory `dir` (glob characters escaped). */
export function sparsePattern(dir: string): string {
  return `/${dir.replace(/[\\*?[\]!#]/g, (c) => `\\${c}`)}/`;
}

/** Flux checks after checkout that every sparse directory exists; one that does not fails the fetch. */
async function requireSparseDirs(
  dir: string,
  sparse: readonly string[],
  shownUrl: string,
  label: string,
): Promise<void> {
  for (const entry of sparse) {
    const inside = entry !== '' && !path.isAbsolute(entry) && !entry.split('/').includes('..');
    const found =
      inside &&
      (await lstat(path.join(dir, entry)).then(
        (s) => s.isDirectory(),
        () => false,
      ));
    if (!found) {
      throw new GitOperationError(
        `failed to sparse checkout directories : sparse checkout dir '${entry}' does not exist in repository`,
        { url: shownUrl, ref: label },
      );
    }
  }
}

/** Removes the `.git` pointer files git leaves in submodule work trees; they are not content of the revision. */
async function removeGitlinkFiles(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const rel = path.relative(dir, entry.parentPath);
    if (entry.name === '.git' && entry.isFile() && rel !== '' && !rel.split(path.sep).includes('.git')) {
      await rm(path.join(entry.parentPath, entry.name), { force: true });
    }
  }
}

async function ensureEmptyDir(dir: string, shownUrl: string, label: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  if ((await readdir(dir)).length > 0) {
    throw new GitOperationError(`cannot fetch '${shownUrl}' (${label}) into '${dir}': the directory is not empty`, {
      url: shownUrl,
      ref: label,
    });
  }
}

/** Fetches what the plan names into the local repo and returns the commit to check out. */
async function resolve(session: GitSession, plan: RefPlan, dir: string, label: string): Promise<Resolved> {
  const fetch = (args: string[]): Promise<string> =>
    session.git(['fetch', '-q', '--no-tags', ...args], { cwd: dir, action: 'fetch from', ref: label });
  const commitOf = async (rev: string): Promise<string> =>
    (
      await session.git(['rev-parse', '--verify', '-q', `${rev}^{commit}`], { cwd: dir, action: 'resolve', ref: label })
    ).trim();
  const shallowRef = async (full: string, revisionRef: string): Promise<Resolved> => {
    await fetch(['--depth=1', '--', session.url, `+${full}:${FETCHED}`]);
    const sha = await commitOf(FETCHED);
    if (!full.startsWith(TAGS)) return { sha, ref: full, revisionRef };
    // The fetched ref keeps what the remote tag points to: a tag object (annotated) or the commit (lightweight).
    const target = (
      await session.git(['rev-parse', '--verify', '-q', FETCHED], { cwd: dir, action: 'resolve', ref: label })
    ).trim();
    const tag: FetchedTag = { name: full.slice(TAGS.length), ...(target !== sha ? { object: target } : {}) };
    return { sha, ref: full, revisionRef, tag };
  };
  switch (plan.kind) {
    case 'branch':
      return shallowRef(`refs/heads/${plan.branch}`, plan.branch);
    case 'tag':
      return shallowRef(`refs/tags/${plan.tag}`, plan.tag);
    case 'name':
      return shallowRef(plan.name, plan.name);
    case 'semver': {
      const tags = (await lsRemote(session, 'tags', label)).map((r) => r.name);
      const tag = pickSemverTag(tags, plan.range);
      if (tag === undefined) {
        throw new GitOperationError(
          `no tag in '${session.shownUrl}' matches semver '${plan.range}' (${tags.length} tags found)`,
          { url: session.shownUrl, ref: label },
        );
      }
      return shallowRef(`refs/tags/${tag}`, shortRefName(`refs/tags/${tag}`));
    }
    case 'commit': {
      if (plan.branch !== undefined) {
        // Like Flux: the commit must be part of the branch's history, so fetch that history only.
        const full = `refs/heads/${plan.branch}`;
        await fetch(['--', session.url, `+${full}:${FETCHED}`]);
        await requireCommit(session, dir, plan.commit, label);
        return { sha: plan.commit, ref: full, revisionRef: plan.branch };
      }
      try {
        // Most servers (protocol v2, GitHub, GitLab) serve a reachable commit by id, which avoids a full clone.
        await fetch(['--depth=1', '--', session.url, plan.commit]);
      } catch (err) {
        if (err instanceof GitAuthError) throw err;
        await fetch(['--', session.url, '+refs/heads/*:refs/driftless/heads/*', '+refs/tags/*:refs/driftless/tags/*']);
      }
      await requireCommit(session, dir, plan.commit, label);
      return { sha: plan.commit, ref: '', revisionRef: '' };
    }
  }
}

async function requireCommit(session: GitSession, dir: string, commit: string, label: string): Promise<void> {
  const found = await session
    .git(['cat-file', '-e', `${commit}^{commit}`], { cwd: dir, action: 'look up', ref: label })
    .then(
      () => true,
      () => false,
    );
  if (!found) {
    throw new GitOperationError(`${label} was not found in '${session.shownUrl}'`, {
      url: session.shownUrl,
      ref: label,
    });
  }
}
