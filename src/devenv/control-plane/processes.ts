import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { open, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Component } from './flags.ts';

/** Where a component's pid file and log live inside the control plane's dir. */
export function processFiles(dir: string, component: Component): { pidFile: string; logFile: string } {
  return { pidFile: join(dir, `${component}.pid`), logFile: join(dir, `${component}.log`) };
}

/** A started component; `exit` is filled in if it dies while this process still watches it. */
export type Started = {
  component: Component;
  pid: number;
  child: ChildProcess;
  exit?: { code: number | null; signal: string | null };
};

/**
 * Spawns one component (no shell) with stdout and stderr written to `<dir>/<component>.log` and
 * writes `<dir>/<component>.pid`. `detached` puts it in its own session so it outlives the caller.
 * The child never keeps the caller's event loop alive.
 */
export async function spawnComponent(opts: {
  dir: string;
  component: Component;
  binary: string;
  args: string[];
  detached: boolean;
  env?: NodeJS.ProcessEnv;
}): Promise<Started> {
  const { pidFile, logFile } = processFiles(opts.dir, opts.component);
  // Truncated per start, so the tail quoted in errors is about this run only.
  const fd = openSync(logFile, 'w');
  let child: ChildProcess;
  try {
    child = spawn(opts.binary, opts.args, {
      cwd: opts.dir,
      detached: opts.detached,
      stdio: ['ignore', fd, fd],
      env: opts.env ?? process.env,
    });
  } finally {
    closeSync(fd);
  }
  child.unref();
  const started: Started = { component: opts.component, pid: child.pid ?? 0, child };
  child.once('exit', (code, signal) => {
    started.exit = { code, signal };
  });
  child.once('error', (err) => {
    started.exit = { code: null, signal: err.message };
  });
  if (started.pid > 0) await writeFile(pidFile, `${started.pid}\n`);
  return started;
}

/** The pid recorded for `component`, or undefined when there is no readable pid file. */
export async function readPid(dir: string, component: Component): Promise<number | undefined> {
  const text = await readFile(processFiles(dir, component).pidFile, 'utf8').catch(() => '');
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * True when `pid` is alive, not a zombie, and still runs `component` (so a pid reused by an
 * unrelated program after a reboot is not mistaken for ours). Linux /proc based.
 */
export async function isComponentRunning(pid: number, component: Component): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  // The state letter follows the parenthesised command name; Z (zombie) and X (dead) have already exited.
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  if (state === 'Z' || state === 'X') return false;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  const argv0 = cmdline.split('\0')[0] ?? '';
  return (argv0.split('/').pop() ?? '').startsWith(component);
}

/**
 * Stops the processes with SIGTERM, then SIGKILL after `graceMs` (default 10 s), and resolves once
 * every one is gone (or `graceMs` more has passed after SIGKILL).
 */
export async function terminate(targets: { pid: number; component: Component }[], graceMs = 10_000): Promise<void> {
  const alive = async () => {
    const states = await Promise.all(targets.map((t) => isComponentRunning(t.pid, t.component)));
    return targets.filter((_, i) => states[i]);
  };
  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    const remaining = await alive();
    if (remaining.length === 0) return;
    for (const t of remaining) signalQuietly(t.pid, signal);
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline && (await alive()).length > 0) await sleep(50);
  }
}

function signalQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (err) {
    // ESRCH: it exited between the liveness check and the signal, which is what we wanted.
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** Removes the pid file of `component` (missing files are fine). */
export async function removePidFile(dir: string, component: Component): Promise<void> {
  await rm(processFiles(dir, component).pidFile, { force: true });
}

/**
 * The last `lines` lines of a component's log (from its final 64 KiB), preceded by up to five earlier
 * lines that look like errors: Go programs print the fatal line first and a long usage text after it.
 */
export async function logTail(dir: string, component: Component, lines = 15): Promise<string> {
  const file = processFiles(dir, component).logFile;
  const handle = await open(file, 'r').catch(() => undefined);
  if (!handle) return '(no log)';
  let text: string;
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, 64 * 1024);
    const buf = Buffer.alloc(length);
    await handle.read(buf, 0, length, size - length);
    text = buf.toString('utf8');
  } finally {
    await handle.close();
  }
  const all = text.trimEnd().split('\n');
  const tail = all.slice(-lines);
  const errors = all
    .slice(0, -lines)
    .filter((l) => /\b(error|fatal|panic|failed|invalid|flag provided)\b/i.test(l))
    .slice(0, 5);
  return errors.length > 0 ? [...errors, '…', ...tail].join('\n') : tail.join('\n');
}
