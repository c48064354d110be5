// Long-lived helm processes: `helm-controller __driftless-serve <dir>` (scripts/helm-controller/serve.go)
// runs command lines one after another, so an action costs neither a process start nor helm's package
// initialisation (a tenth of a CPU-second each), and the API server connection is kept between actions.
// A worker runs one command at a time; the pool starts one more whenever all are busy, and a worker idle
// for `idleMs` exits, so an engine with nothing to deploy holds no helm.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';

/** What one helm command line left: its exit code and its output. */
export interface HelmRunResult {
  code: number;
  stdout: string;
  stderr: string;
}

interface Answer {
  ready?: boolean;
  code?: number;
  stdout?: string;
  stderr?: string;
}

/** The error a cancelled run rejects with, as child_process's own `signal` option makes it. */
export function abortError(signal: AbortSignal): Error {
  return Object.assign(new Error('The operation was aborted', { cause: signal.reason }), {
    name: 'AbortError',
    code: 'ABORT_ERR',
  });
}

class HelmWorker {
  private readonly child: ChildProcess;
  private readonly stdin: Writable;
  private readonly answers: Readable;
  private pending: ((a: Answer | undefined, exitCode: number) => void) | undefined;
  private exited = false;
  /** Cancelled: ends after its current command, never runs another. */
  private discarded = false;
  /** Resolves once the worker said it is ready; rejects when it ended first (a build without serve mode). */
  readonly ready: Promise<void>;
  idleTimer: NodeJS.Timeout | undefined;

  constructor(
    bin: string,
    env: NodeJS.ProcessEnv,
    readonly dir: string,
  ) {
    this.child = spawn(bin, ['__driftless-serve', dir], { stdio: ['pipe', 'ignore', 'ignore', 'pipe'], env });
    this.stdin = this.child.stdin!;
    this.answers = this.child.stdio[3] as Readable;
    // A write after the worker died fails here, not as an unhandled error; 'exit' settles the request.
    this.stdin.on('error', () => {});
    let onReady!: () => void;
    let onEnded!: (err: Error) => void;
    this.ready = new Promise<void>((resolve, reject) => ((onReady = resolve), (onEnded = reject)));
    this.ready.catch(() => {});
    createInterface({ input: this.answers }).on('line', (line) => {
      let answer: Answer;
      try {
        answer = JSON.parse(line) as Answer;
      } catch {
        return this.kill(); // not this protocol: 'exit' settles what waits
      }
      if (answer.ready) return onReady();
      const settle = this.pending;
      this.pending = undefined;
      settle?.(answer, answer.code ?? 1);
    });
    this.child.on('error', (err) => onEnded(err));
    this.child.on('exit', (code) => {
      this.exited = true;
      onEnded(new Error(`helm worker exited with code ${code ?? 'null'} before it was ready`));
      const settle = this.pending;
      this.pending = undefined;
      settle?.(undefined, code ?? 1);
    });
  }

  /** Still able to take a command. */
  get alive(): boolean {
    return !this.exited && !this.discarded && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Runs one command line; a worker that dies mid-request still answers with its code and what it wrote. */
  async run(args: readonly string[], env: Record<string, string>, signal?: AbortSignal): Promise<HelmRunResult> {
    if (signal?.aborted) throw abortError(signal);
    this.idle(false);
    try {
      const { answer, exitCode } = await new Promise<{ answer: Answer | undefined; exitCode: number }>(
        (resolve, reject) => {
          const onAbort = (): void => {
            this.pending = undefined;
            this.cancel();
            reject(abortError(signal!));
          };
          signal?.addEventListener('abort', onAbort, { once: true });
          this.pending = (a, code) => {
            signal?.removeEventListener('abort', onAbort);
            resolve({ answer: a, exitCode: code });
          };
          this.stdin.write(`${JSON.stringify({ args, env })}\n`);
        },
      );
      if (answer) return { code: exitCode, stdout: answer.stdout ?? '', stderr: answer.stderr ?? '' };
      const [stdout, stderr] = await Promise.all(
        ['stdout', 'stderr'].map((f) => readFile(path.join(this.dir, f), 'utf8').catch(() => '')),
      );
      return { code: exitCode === 0 ? 1 : exitCode, stdout: stdout!, stderr: stderr! };
    } finally {
      this.idle(true);
    }
  }

  /** An idle worker does not keep the engine's event loop alive. */
  private idle(idle: boolean): void {
    for (const s of [this.stdin, this.answers] as unknown as { ref?: () => void; unref?: () => void }[]) {
      if (idle) s.unref?.();
      else s.ref?.();
    }
    if (idle) this.child.unref();
    else this.child.ref();
  }

  /** Ends the worker: it exits when its stdin closes. */
  close(): void {
    clearTimeout(this.idleTimer);
    this.stdin.end();
  }

  kill(): void {
    clearTimeout(this.idleTimer);
    this.child.kill('SIGKILL');
  }

  /**
   * Cancels the running command as a one-shot helm is cancelled: SIGTERM, which helm's install, upgrade and
   * rollback turn into a cancelled context (the release is marked failed, not left pending). The worker is
   * not reused: it exits after answering, or is killed if it has not within `graceMs`.
   */
  private cancel(graceMs = 5000): void {
    this.discarded = true;
    this.stdin.end();
    this.child.kill('SIGTERM');
    setTimeout(() => {
      if (this.alive) this.kill();
    }, graceMs).unref();
  }
}

/** Helm workers for one binary and one start environment. */
export class HelmWorkerPool {
  private readonly idle: HelmWorker[] = [];
  private readonly workers = new Set<HelmWorker>();
  private unsupported = false;

  constructor(
    private readonly opts: {
      bin: string;
      /**
       * The environment every worker starts with (a request adds its own variables), and the private
       * directory the workers' output files go under.
       */
      setup: () => Promise<{ env: NodeJS.ProcessEnv; dir: string }>;
      idleMs?: number;
    },
  ) {}

  /**
   * Runs a command line in an idle worker, or a new one. Resolves `undefined` when the binary has no serve
   * mode (an older build): the caller then starts helm once per command, as before.
   */
  async run(
    args: readonly string[],
    env: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<HelmRunResult | undefined> {
    if (this.unsupported) return undefined;
    if (signal?.aborted) throw abortError(signal);
    let worker: HelmWorker | undefined;
    while ((worker = this.idle.pop()) && !worker.alive) this.forget(worker);
    if (worker) clearTimeout(worker.idleTimer);
    else {
      worker = await this.start();
      if (!worker) return undefined;
    }
    try {
      return await worker.run(args, env, signal);
    } finally {
      this.release(worker);
    }
  }

  private async start(): Promise<HelmWorker | undefined> {
    const { env, dir: parent } = await this.opts.setup();
    const dir = await mkdtemp(path.join(parent, 'worker-'));
    const worker = new HelmWorker(this.opts.bin, env, dir);
    try {
      await worker.ready;
    } catch {
      this.unsupported = true;
      await rm(dir, { recursive: true, force: true });
      return undefined;
    }
    this.workers.add(worker);
    return worker;
  }

  private release(worker: HelmWorker): void {
    if (!worker.alive) return this.forget(worker);
    this.idle.push(worker);
    worker.idleTimer = setTimeout(() => {
      const i = this.idle.indexOf(worker);
      if (i >= 0) this.idle.splice(i, 1);
      worker.close();
      this.forget(worker);
    }, this.opts.idleMs ?? 30_000);
    worker.idleTimer.unref();
  }

  private forget(worker: HelmWorker): void {
    this.workers.delete(worker);
    void rm(worker.dir, { recursive: true, force: true });
  }

  /** Ends every worker. */
  close(): void {
    for (const w of this.workers) w.close();
    this.workers.clear();
    this.idle.length = 0;
  }
}
