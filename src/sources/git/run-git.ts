// Process plumbing for one git command: no shell, bounded output, the whole process group killed on abort.
import { spawn } from 'node:child_process';

/** Options of `runGit`; `maxOutputBytes` (default 16 MiB) caps stdout, stderr keeps its last 64 KiB. */
export interface RunGitOptions {
  args: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
  gitBinary?: string;
  maxOutputBytes?: number;
  /** Bytes written to the process's stdin (default: stdin is closed). */
  input?: Buffer;
}

/** Options of `runProcess`: those of `runGit` with the program to run (`gitBinary` is ignored). */
export interface RunProcessOptions extends RunGitOptions {
  command: string;
}

/** How a git command ended; `runGit` never rejects, callers turn failures into typed errors. */
export interface RunGitResult {
  ok: boolean;
  code: number | null;
  stdout: string;
  stderr: string;
  /** Killed because `signal` aborted. */
  aborted: boolean;
  /** Killed because stdout passed `maxOutputBytes`. */
  overflow: boolean;
  /** The binary could not be started (e.g. ENOENT). */
  spawnError?: Error;
  /** stdout as bytes, for output that is not text (Git objects may hold any encoding). */
  stdoutBytes: Buffer;
}

const STDERR_KEEP = 64 * 1024;

/** Runs git with an argv array; on abort or overflow it SIGKILLs the process group so helpers (ssh, remote-https) die too. */
export function runGit(opts: RunGitOptions): Promise<RunGitResult> {
  return runProcess({ ...opts, command: opts.gitBinary ?? 'git' });
}

/** Runs any program the way `runGit` runs git (gpg and ssh-keygen for signature checks); never rejects. */
export function runProcess(opts: RunProcessOptions): Promise<RunGitResult> {
  const maxOutput = opts.maxOutputBytes ?? 16 * 1024 * 1024;
  return new Promise((resolve) => {
    // detached = own process group, so one kill reaches git-remote-http and ssh as well.
    const child = spawn(opts.command, [...opts.args], {
      cwd: opts.cwd,
      env: opts.env,
      // stdin is a pipe either way: closed at once (like 'ignore', git reads EOF) or fed `input`.
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    // EPIPE when the program exits without reading everything: its exit status tells what happened.
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input);
    const out: Buffer[] = [];
    let outBytes = 0;
    let stderr = '';
    let aborted = false;
    let overflow = false;
    let spawnError: Error | undefined;
    const killGroup = (): void => {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch (err) {
        // ESRCH: the group already exited between the check and the kill.
        if ((err as NodeJS.ErrnoException).code !== 'ESRCH') child.kill('SIGKILL');
      }
    };
    const onAbort = (): void => {
      aborted = true;
      killGroup();
    };
    if (opts.signal.aborted) onAbort();
    else opts.signal.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > maxOutput) {
        overflow = true;
        killGroup();
        return;
      }
      out.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_KEEP);
    });
    child.once('error', (err) => {
      spawnError = err;
    });
    child.once('close', (code) => {
      opts.signal.removeEventListener('abort', onAbort);
      const ok = code === 0 && !aborted && !overflow && spawnError === undefined;
      const stdoutBytes = Buffer.concat(out);
      const stdout = stdoutBytes.toString('utf8');
      resolve({ ok, code, stdout, stdoutBytes, stderr, aborted, overflow, ...(spawnError ? { spawnError } : {}) });
    });
  });
}
