// Runs the real `kustomize build` binary: no shell, scrubbed environment, plugins off, time and output bounded.
import { execFile } from 'node:child_process';
import type { ExecFileException } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BuildError } from './errors.ts';

/** Options of {@link runKustomizeBuild}. */
export type KustomizeExecOptions = {
  /** Path of the kustomize binary. */
  bin: string;
  /** Directory to build (absolute). */
  dir: string;
  /** Paths under these prefixes are shown relative in error messages (the artifact root, as given and real). */
  roots: string[];
  /** Kill kustomize after this long; default 5 minutes. */
  timeoutMs?: number;
  /** Aborts the build (e.g. the Kustomization's `spec.timeout`). */
  signal?: AbortSignal;
  /** Largest stdout accepted; default 64 MiB. */
  maxOutputBytes?: number;
  /** PATH for the child (kustomize only needs git, for remote bases); default `/usr/local/bin:/usr/bin:/bin`. */
  pathEnv?: string;
};

const MAX_MESSAGE = 4096;

/**
 * Runs `kustomize build <dir> --load-restrictor LoadRestrictionsNone` (never with helm, exec or alpha plugins) in a
 * fresh temp working/HOME directory that is removed afterwards, and returns stdout. Throws BuildError
 * with kustomize's stderr trimmed and paths made relative, or on timeout, abort, oversized output or a missing binary.
 */
export async function runKustomizeBuild(opts: KustomizeExecOptions): Promise<Buffer> {
  const timeoutMs = opts.timeoutMs ?? 5 * 60_000;
  const maxBuffer = opts.maxOutputBytes ?? 64 * 1024 * 1024;
  const home = await mkdtemp(path.join(os.tmpdir(), 'driftless-kustomize-'));
  try {
    const env = {
      PATH: opts.pathEnv ?? '/usr/local/bin:/usr/bin:/bin',
      HOME: home,
      // Point every config/plugin lookup at the empty temp dir so no user-installed plugin can be found.
      XDG_CONFIG_HOME: path.join(home, 'config'),
      XDG_CACHE_HOME: path.join(home, 'cache'),
      KUSTOMIZE_PLUGIN_HOME: path.join(home, 'plugins'),
      GIT_TERMINAL_PROMPT: '0',
      GIT_CONFIG_NOSYSTEM: '1',
    };
    const args = ['build', opts.dir, '--load-restrictor', 'LoadRestrictionsNone'];
    return await new Promise<Buffer>((resolve, reject) => {
      execFile(
        opts.bin,
        args,
        {
          cwd: home,
          env,
          timeout: timeoutMs,
          maxBuffer,
          signal: opts.signal,
          encoding: 'buffer',
          killSignal: 'SIGKILL',
        },
        (err, stdout, stderr) => {
          if (err) reject(toBuildError(err, stderr, opts, timeoutMs, maxBuffer));
          else resolve(stdout);
        },
      );
    });
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

function toBuildError(
  err: ExecFileException,
  stderr: Buffer,
  opts: KustomizeExecOptions,
  timeoutMs: number,
  maxBuffer: number,
): BuildError {
  if (err.code === 'ENOENT' || err.code === 'EACCES') {
    return new BuildError({ message: `kustomize binary '${opts.bin}' cannot be run (${err.code})`, cause: err });
  }
  if (err.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
    return new BuildError({ message: `kustomize build output is larger than ${maxBuffer} bytes`, cause: err });
  }
  if (err.name === 'AbortError' || opts.signal?.aborted) {
    return new BuildError({ message: 'kustomize build was cancelled', cause: opts.signal?.reason ?? err });
  }
  if (err.killed) return new BuildError({ message: `kustomize build timed out after ${timeoutMs}ms`, cause: err });
  return new BuildError({
    message: `kustomize build failed: ${cleanStderr(stderr.toString('utf8'), opts.roots)}`,
    cause: err,
  });
}

/** Makes kustomize's stderr fit a condition message: temp paths relative to the root, no `Error:` prefix, bounded. */
export function cleanStderr(stderr: string, roots: string[]): string {
  let text = stderr;
  for (const root of [...new Set(roots)].sort((a, b) => b.length - a.length)) {
    text = text.split(`${root}${path.sep}`).join('').split(root).join('.');
  }
  text = text
    .split('\n')
    .map((line) => line.replace(/^Error:\s*/, '').trimEnd())
    .filter((line) => line !== '')
    .join('; ');
  if (text === '') text = 'no error output';
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text;
}
