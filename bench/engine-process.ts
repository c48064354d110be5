// The engine under test runs in its own process (`driftless run`), so its peak RSS is not polluted by the harness.
import { spawn } from 'node:child_process';
import { open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** A running `driftless run` child process. */
export type EngineProcess = {
  pid: number;
  /** Why the process ended, or undefined while it runs. */
  exited(): string | undefined;
  /** Peak resident set size in bytes so far (the kernel's VmHWM), or undefined once the process is gone. */
  peakRssBytes(): Promise<number | undefined>;
  /** The last lines of its log. */
  logTail(lines?: number): Promise<string>;
  /** SIGTERM, then SIGKILL after `graceMs` (default 15 s); resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
};

/** Options of {@link startEngineProcess}. */
export type EngineProcessOptions = {
  kubeconfig: string;
  storagePath: string;
  /** Where stdout and stderr go. */
  logFile: string;
  /** Workers per controller; default: the engine's own default. */
  concurrent?: number;
  /** Default `info`, as a user would run it. */
  logLevel?: string;
};

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Reads VmHWM (peak RSS) of a process from /proc; undefined when the process is gone. */
export async function readPeakRss(pid: number): Promise<number | undefined> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ESRCH')
      return undefined;
    throw err;
  });
  const m = status ? /^VmHWM:\s+(\d+)\s+kB$/m.exec(status) : null;
  return m ? Number(m[1]) * 1024 : undefined;
}

/**
 * Starts `node bin/driftless.js run` with every listener on a free loopback port; the child is killed if the
 * harness exits first. Does not wait for readiness: callers wait for a source to become Ready instead.
 */
export async function startEngineProcess(opts: EngineProcessOptions): Promise<EngineProcess> {
  const log = await open(opts.logFile, 'a');
  const args = [
    path.join(repoRoot, 'bin', 'driftless.js'),
    'run',
    '--kubeconfig',
    opts.kubeconfig,
    '--metrics-addr',
    '127.0.0.1:0',
    '--health-addr',
    '127.0.0.1:0',
    '--storage-addr',
    '127.0.0.1:0',
    '--receiver-addr',
    '127.0.0.1:0',
    '--events-addr',
    '127.0.0.1:0',
    '--storage-path',
    opts.storagePath,
    '--log-level',
    opts.logLevel ?? 'info',
    ...(opts.concurrent ? ['--concurrent', String(opts.concurrent)] : []),
  ];
  const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', log.fd, log.fd] });
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
  // The harness may die on an uncaught error; the engine must not outlive it.
  const killOnExit = (): void => {
    if (!exitReason) child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  const pid = child.pid;
  if (pid === undefined) {
    await exited;
    await log.close();
    throw new Error(`could not start the engine: ${exitReason ?? 'no pid'}`);
  }

  return {
    pid,
    exited: () => exitReason,
    peakRssBytes: () => readPeakRss(pid),
    async logTail(lines = 30) {
      const text = await readFile(opts.logFile, 'utf8');
      return text.trimEnd().split('\n').slice(-lines).join('\n');
    },
    async stop(graceMs = 15_000) {
      if (!exitReason) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      process.removeListener('exit', killOnExit);
      await log.close();
    },
  };
}
