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
}

const STDERR_KEEP = 64 * 1024;

/** Runs git with an argv array; on abort or overflow it SIGKILLs the process group so helpers (ssh, remote-https) die too. */
export function runGit(opts: RunGitOptions): Promise<RunGitResult> {
  const maxOutput = opts.maxOutputBytes ?? 16 * 1024 * 1024;
  return new Promise((resolve) => {
    // detached = own process group, so one kill reaches git-remote-http and ssh as well.
    const child = spawn(opts.gitBinary ?? 'git', [...opts.args], {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
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
      const stdout = Buffer.concat(out).toString('utf8');
      resolve({ ok, code, stdout, stderr, aborted, overflow, ...(spawnError ? { spawnError } : {}) });
    });
  });
}
