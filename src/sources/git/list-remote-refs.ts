// `git ls-remote` as a library call: the refs a remote advertises, with annotated tags peeled.
import { withGitSession, type GitSession, type GitSessionOptions } from './git-session.ts';
import { parseLsRemote, type RemoteRef } from './semver-tag.ts';

/** Options of `listRemoteRefs`; `kind` limits the listing to branches or tags (default: every ref). */
export interface ListRemoteRefsOptions extends GitSessionOptions {
  kind?: 'all' | 'heads' | 'tags';
}

/** Lists refs inside an open session; used by `fetchRevision` for semver tags. */
export async function lsRemote(
  session: GitSession,
  kind: ListRemoteRefsOptions['kind'],
  ref?: string,
): Promise<RemoteRef[]> {
  const filter = kind === 'heads' ? ['--heads'] : kind === 'tags' ? ['--tags'] : [];
  const out = await session.git(['ls-remote', ...filter, '--', session.url], {
    action: 'list remote refs of',
    ...(ref === undefined ? {} : { ref }),
  });
  return parseLsRemote(out);
}

/** Lists the remote's refs; throws `GitAuthError`, `GitOperationError` (incl. timeout) or `GitUrlError`. */
export function listRemoteRefs(opts: ListRemoteRefsOptions): Promise<RemoteRef[]> {
  return withGitSession(opts, (session) => lsRemote(session, opts.kind));
}
