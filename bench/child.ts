// One long-running child process of the benchmark (an engine or one of Flux's controllers), logging to a file.
import { spawn } from 'node:child_process';
import { open, readFile } from 'node:fs/promises';

/** A running child process. */
export type Child = {
  /** Short name used in progress lines, e.g. `kustomize-controller`. */
  name: string;
  pid: number;
  /** Why the process ended, or undefined while it runs. */
  exited(): string | undefined;
  /** The last lines of its log. */
  logTail(lines?: number): Promise<string>;
  /** The whole log so far. */
  log(): Promise<string>;
  /** SIGTERM, then SIGKILL after `graceMs` (default 15 s); resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
};

/** Options of {@link startChild}. */
export type ChildOptions = {
  name: string;
  command: string;
  args: string[];
  /** Extra environment on top of the harness's own. */
  env?: Record<string, string>;
  cwd?: string;
  /** Where stdout and stderr go (appended). */
  logFile: string;
};

/**
 * Starts a process with stdout and stderr in `logFile`; it is killed if the harness exits first. Does not wait
 * for readiness: callers wait on something the process serves or writes instead.
 */
export async function startChild(opts: ChildOptions): Promise<Child> {
  const log = await open(opts.logFile, 'a');
  const child = spawn(opts.command, opts.args, {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', log.fd, log.fd],
  });
  let exitReason: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exitReason = signal ? `killed by ${signal}` : `exited with code ${String(code)}`;
      resolve();
    });
    child.once('error', (err) => {
      exitReason = `failed to start: ${err.message}`;
      resolve();
    });
  });
  // The harness may die on an uncaught error; the child must not outlive it.
  const killOnExit = (): void => {
    if (!exitReason) child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  const pid = child.pid;
  if (pid === undefined) {
    await exited;
    await log.close();
    throw new Error(`could not start ${opts.name}: ${exitReason ?? 'no pid'}`);
  }
  const readLog = (): Promise<string> => readFile(opts.logFile, 'utf8');
  let closed = false;
  return {
    name: opts.name,
    pid,
    exited: () => exitReason,
    log: readLog,
    async logTail(lines = 30) {
      return (await readLog()).trimEnd().split('\n').slice(-lines).join('\n');
    },
    async stop(graceMs = 15_000) {
      if (!exitReason) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      process.removeListener('exit', killOnExit);
      if (!closed) {
        closed = true;
        await log.close();
      }
    },
  };
}
