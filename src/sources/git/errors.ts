// Typed errors of the Git client. They say what went wrong by their class; the reconciler that
// calls the client decides which condition reason each class becomes.

/** Where a Git error happened; `url` is always redacted. */
export interface GitErrorContext {
  url?: string;
  ref?: string;
  cause?: unknown;
}

/** Base class of every Git client error; `message` never contains credentials. */
export abstract class GitError extends Error {
  readonly url: string | undefined;
  readonly ref: string | undefined;

  constructor(message: string, ctx: GitErrorContext = {}) {
    super(message, ctx.cause === undefined ? undefined : { cause: ctx.cause });
    this.name = new.target.name;
    this.url = ctx.url;
    this.ref = ctx.ref;
  }
}

/** The server rejected the credentials, asked for ones we do not have, or the SSH host key did not verify. */
export class GitAuthError extends GitError {}

/** A git command failed, timed out or was aborted, or the ref/commit/tag could not be resolved. */
export class GitOperationError extends GitError {}

/** The repository URL is not an allowed `http://`, `https://` or `ssh://` URL. */
export class GitUrlError extends GitError {}
