// Writing back to a Git repository (image automation): commit the work tree as a given author, push refs
// with options, and tell a push the server rejected because the branch moved from any other failure.
import { GitOperationError } from './errors.ts';
import type { GitSession } from './git-session.ts';
import { isValidRefName } from './ref.ts';
import { lsRemote } from './list-remote-refs.ts';

/** The push was rejected because the remote branch has commits the local one lacks (fetch first / non-fast-forward). */
export class PushRejectedError extends GitOperationError {}

// git's wording for a rejected update of a branch that moved (stderr hints; --porcelain puts `[rejected]` on stdout).
const REJECTED =
  /\(fetch first\)|\(non-fast-forward\)|\[rejected\]|Updates were rejected because (the remote contains work|the tip of your current branch is behind)/;

/** Who commits: author and committer, as Flux's signature. */
export interface CommitAuthor {
  name?: string | undefined;
  email: string;
}

/** Creates (or resets) local branch `branch` at the checked-out commit and switches to it. */
export async function switchToBranch(session: GitSession, dir: string, branch: string): Promise<void> {
  if (!isValidRefName(`refs/heads/${branch}`))
    throw new GitOperationError(`invalid push branch name '${branch}': not a valid Git reference name`);
  await session.git(['checkout', '-q', '-B', branch], { cwd: dir, action: 'create the push branch in', ref: branch });
}

/**
 * Stages every change of the work tree and commits it; returns the new commit id, or undefined when
 * nothing changed (Flux's "no changes made in the source; no commit").
 */
export async function commitAll(
  session: GitSession,
  dir: string,
  author: CommitAuthor,
  message: string,
  /** git `-c` settings of a prepared signer (commit-signing.ts); the commit is signed with `-S`. */
  signing?: readonly string[],
): Promise<string | undefined> {
  const run = (args: string[], action: string) => session.git(args, { cwd: dir, action });
  await run(['add', '-A'], 'stage the changes in');
  const staged = await run(['diff', '--cached', '--name-only', '-z'], 'list the staged changes of');
  if (staged === '') return undefined;
  await session.git(
    [
      '-c',
      `user.name=${author.name ?? ''}`,
      '-c',
      `user.email=${author.email}`,
      ...(signing ?? []),
      'commit',
      '-q',
      '--no-verify',
      signing ? '-S' : '--no-gpg-sign',
      '--allow-empty-message',
      '-F',
      '-',
    ],
    { cwd: dir, action: 'commit to', input: Buffer.from(message) },
  );
  return (await run(['rev-parse', 'HEAD'], 'read the new commit of')).trim();
}

/** Pushes `refspecs` to the session's URL; `options` become `--push-option`s. Throws PushRejectedError when the branch moved. */
export async function pushRefspecs(
  session: GitSession,
  dir: string,
  refspecs: readonly string[],
  opts: { force?: boolean; options?: Readonly<Record<string, string>> | undefined } = {},
): Promise<void> {
  const pushOptions = Object.entries(opts.options ?? {}).map(([k, v]) => `--push-option=${v === '' ? k : `${k}=${v}`}`);
  try {
    await session.git(
      ['push', '--porcelain', ...(opts.force ? ['--force'] : []), ...pushOptions, '--', session.url, ...refspecs],
      { cwd: dir, action: 'push to', ref: refspecs.join(', ') },
    );
  } catch (err) {
    if (err instanceof GitOperationError && REJECTED.test(err.message))
      throw new PushRejectedError(err.message, { url: session.shownUrl, ref: refspecs.join(', ') });
    throw err;
  }
}

/** Fetches the remote branch's head and resets the work tree to it; returns its commit id. */
export async function resetToRemoteBranch(session: GitSession, dir: string, branch: string): Promise<string> {
  const local = 'refs/driftless/push-head';
  await session.git(['fetch', '-q', '--no-tags', '--depth=1', '--', session.url, `+refs/heads/${branch}:${local}`], {
    cwd: dir,
    action: 'fetch from',
    ref: `branch '${branch}'`,
  });
  await session.git(['checkout', '-q', '-B', branch, local], { cwd: dir, action: 'check out', ref: branch });
  await session.git(['reset', '-q', '--hard', local], { cwd: dir, action: 'reset', ref: branch });
  return (await session.git(['rev-parse', 'HEAD'], { cwd: dir, action: 'resolve', ref: branch })).trim();
}

/**
 * The remote branch's head when it already holds this change: the same tree as HEAD on the same parent
 * (a pull-request branch pushed by an earlier run); undefined when the branch is missing or differs.
 */
export async function sameChangeOnRemote(
  session: GitSession,
  dir: string,
  branch: string,
): Promise<string | undefined> {
  const head = (await lsRemote(session, 'heads', `branch '${branch}'`)).find((r) => r.name === `refs/heads/${branch}`);
  if (!head) return undefined;
  const local = 'refs/driftless/remote-branch';
  await session.git(['fetch', '-q', '--no-tags', '--depth=2', '--', session.url, `+refs/heads/${branch}:${local}`], {
    cwd: dir,
    action: 'fetch from',
    ref: `branch '${branch}'`,
  });
  const resolve = (rev: string) =>
    session
      .git(['rev-parse', '--verify', '-q', rev], { cwd: dir, action: 'resolve', ref: rev })
      .then((out) => out.trim())
      .catch(() => undefined);
  const [tree, parent, remoteTree, remoteParent] = await Promise.all(
    ['HEAD^{tree}', 'HEAD^', `${local}^{tree}`, `${local}^`].map(resolve),
  );
  return tree && parent && tree === remoteTree && parent === remoteParent ? head.sha : undefined;
}
