// One git "session": validated URL, private HOME with credential files, hardened argv, deadline and typed errors.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GitAuthError, GitOperationError } from './errors.ts';
import { prepareGitAuth, type GitAuth, type GitProxy } from './git-auth.ts';
import { runGit, type RunGitResult } from './run-git.ts';
import { redactUrl, validateGitUrl } from './url.ts';

/** Options shared by every remote operation; `timeoutMs` (default 60000) bounds the whole operation. */
export interface GitSessionOptions {
  url: string;
  auth?: GitAuth;
  /** HTTP(S) proxy for http and https URLs (`spec.proxySecretRef`); without it no proxy is used. */
  proxy?: GitProxy;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** git executable; default `git` looked up on `pathEnv`. */
  gitBinary?: string;
  /** PATH handed to git; default the current process's PATH. */
  pathEnv?: string;
  /** Where the private per-operation HOME with credential files is created; default `os.tmpdir()`. */
  tmpDir?: string;
}

/** Per-command options: what we were doing and for which ref, used to word errors. */
export interface GitCommandOptions {
  cwd?: string;
  /** Verb phrase for messages, e.g. `fetch from`. */
  action: string;
  ref?: string;
  maxOutputBytes?: number;
  /** Bytes fed to the command's stdin (e.g. a commit message with `-F -`). */
  input?: Buffer;
}

/** Runs hardened git commands against one repository URL until the session ends. */
export interface GitSession {
  /** The validated URL as given (may hold a username, never a password). */
  url: string;
  /** The URL with userinfo, query and fragment removed. */
  shownUrl: string;
  git(args: readonly string[], opts: GitCommandOptions): Promise<string>;
}

/** Default bound of a whole remote operation, like Flux's `.spec.timeout` default of 60s. */
export const DEFAULT_GIT_TIMEOUT_MS = 60_000;

// Lines of git stderr that mean "who you are was not accepted", as opposed to any other failure.
const AUTH_FAILURE =
  /authentication failed|could not read (username|password)|terminal prompts disabled|permission denied \(|permission denied, please try again|host key verification failed|no matching host key|returned error: 40[13]|http basic: access denied|invalid username or password|no supported authentication methods/i;

/** Config every command gets: no hooks, no submodules, no background gc, and only the URL's own transport. */
function hardening(scheme: string): string[] {
  const settings = [
    'core.hooksPath=/dev/null',
    'core.fsmonitor=false',
    'protocol.allow=never',
    `protocol.${scheme}.allow=always`,
    'protocol.file.allow=never',
    'protocol.ext.allow=never',
    'submodule.recurse=false',
    'fetch.recurseSubmodules=false',
    'gc.auto=0',
    'maintenance.auto=false',
    'credential.helper=',
    'advice.detachedHead=false',
    'init.defaultBranch=master',
  ];
  return settings.flatMap((s) => ['-c', s]);
}

/** Replaces known secrets and URL userinfo in git output, joins its lines, and keeps its last 2000 characters. */
export function scrubOutput(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    for (const part of [secret, ...secret.split('\n')].map((s) => s.trim())) {
      if (part.length >= 4) out = out.split(part).join('*****');
    }
  }
  // One line reads better in a condition message; git's multi-line stderr becomes `; `-separated.
  out = out
    .replace(/(\w+:\/\/)[^/\s@]+@/g, '$1')
    .trim()
    .replace(/\s*\n\s*/g, '; ');
  return out.length > 2000 ? `…${out.slice(-2000)}` : out;
}

/** Validates the URL, prepares credentials in a private temp HOME, runs `fn`, and always removes the temp files. */
export async function withGitSession<T>(opts: GitSessionOptions, fn: (session: GitSession) => Promise<T>): Promise<T> {
  const parsed = validateGitUrl(opts.url);
  const shownUrl = redactUrl(opts.url);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_GIT_TIMEOUT_MS;
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), timeoutMs);
  const signal = opts.signal === undefined ? deadline.signal : AbortSignal.any([opts.signal, deadline.signal]);
  const home = await mkdtemp(path.join(opts.tmpDir ?? tmpdir(), 'driftless-git-'));
  try {
    const auth = await prepareGitAuth({
      url: parsed,
      auth: opts.auth,
      dir: home,
      signal,
      ...(opts.proxy ? { proxy: opts.proxy } : {}),
    });
    const env: NodeJS.ProcessEnv = {
      PATH: opts.pathEnv ?? process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      HOME: home,
      XDG_CONFIG_HOME: home,
      LC_ALL: 'C',
      GIT_TERMINAL_PROMPT: '0',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_PROTOCOL_FROM_USER: '0',
      ...auth.env,
    };
    const base = hardening(parsed.protocol.replace(/:$/, ''));
    const fail = (result: RunGitResult, cmd: GitCommandOptions): Error => {
      const where = `'${shownUrl}'${cmd.ref === undefined ? '' : ` (${cmd.ref})`}`;
      const ctx = { url: shownUrl, ref: cmd.ref };
      if (result.aborted) {
        const why = deadline.signal.aborted ? `timed out after ${timeoutMs}ms` : 'was aborted';
        return new GitOperationError(`git ${cmd.action} ${where} ${why}`, ctx);
      }
      if (result.overflow)
        return new GitOperationError(`git ${cmd.action} ${where}: output exceeded the size limit`, ctx);
      if (result.spawnError !== undefined) {
        return new GitOperationError(`cannot run git to ${cmd.action} ${where}: ${result.spawnError.message}`, ctx);
      }
      const detail = scrubOutput(result.stderr, auth.secrets) || `git exited with code ${result.code ?? 'unknown'}`;
      if (AUTH_FAILURE.test(result.stderr)) {
        return new GitAuthError(
          `authentication failed to ${cmd.action} ${where}: ${detail}; check the credentials (or known_hosts) in the secretRef`,
          ctx,
        );
      }
      return new GitOperationError(`failed to ${cmd.action} ${where}: ${detail}`, ctx);
    };
    const session: GitSession = {
      url: opts.url,
      shownUrl,
      git: async (args, cmd) => {
        const result = await runGit({
          args: [...base, ...args],
          cwd: cmd.cwd ?? home,
          env,
          signal,
          gitBinary: opts.gitBinary,
          maxOutputBytes: cmd.maxOutputBytes,
          ...(cmd.input ? { input: cmd.input } : {}),
        });
        if (!result.ok) throw fail(result, cmd);
        return result.stdout;
      },
    };
    return await fn(session);
  } finally {
    clearTimeout(timer);
    await rm(home, { recursive: true, force: true });
  }
}
