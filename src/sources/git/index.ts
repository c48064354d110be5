// Public surface of the Git source client.
export { GitAuthError, GitError, GitErrorReason, GitOperationError, GitUrlError } from './errors.ts';
export type { GitErrorContext } from './errors.ts';
export { fetchRevision } from './fetch-revision.ts';
export type { FetchedRevision, FetchRevisionOptions } from './fetch-revision.ts';
export type { GitAuth } from './git-auth.ts';
export { DEFAULT_GIT_TIMEOUT_MS } from './git-session.ts';
export type { GitSessionOptions } from './git-session.ts';
export { listRemoteRefs } from './list-remote-refs.ts';
export type { ListRemoteRefsOptions } from './list-remote-refs.ts';
export { DEFAULT_BRANCH, isValidRefName, planRef } from './ref.ts';
export type { GitRef, RefPlan } from './ref.ts';
export { formatRevision, parseRevision, shortRefName } from './revision.ts';
export type { GitHashAlgo, ParsedRevision } from './revision.ts';
export { parseLsRemote, pickSemverTag } from './semver-tag.ts';
export type { RemoteRef } from './semver-tag.ts';
export { ALLOWED_GIT_SCHEMES, redactUrl, validateGitUrl } from './url.ts';
