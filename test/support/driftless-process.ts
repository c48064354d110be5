// `driftless run` as a separate process, started with flags as a user (or a Deployment's args) gives them.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });

const bin = path.resolve('bin/driftless.js');

/** Flags this checkout's `driftless run --help` lists (optional servers are turned off only when they exist). */
let helpText: string | undefined;
const runHelp = (): string =>
  (helpText ??= spawnSync(process.execPath, [bin, 'run', '--help'], { encoding: 'utf8' }).stdout);

export interface DriftlessProcess {
  proc: ChildProcess;
  identity: string;
  metricsUrl: string;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  /** The process's /metrics text. */
  metrics(): Promise<string>;
  kill(): void;
}

/**
 * Starts `driftless run` with every server on a free loopback port (metrics on a known one), the
 * storage under `storageRoot/<identity>`, plus `args`. `env` adds to the environment.
 */
export async function startDriftless(opts: {
  kubeconfig: string;
  identity: string;
  storageRoot: string;
  args: string[];
  env?: Record<string, string>;
}): Promise<DriftlessProcess> {
  const metricsPort = await freePort();
  const args = [
    bin,
    'run',
    `--kubeconfig=${opts.kubeconfig}`,
    `--metrics-addr=127.0.0.1:${metricsPort}`,
    '--health-addr=127.0.0.1:0',
    '--storage-addr=127.0.0.1:0',
    '--receiver-addr=127.0.0.1:0',
    '--events-addr=127.0.0.1:0',
    ...(runHelp().includes('--web-addr') ? ['--web-addr=127.0.0.1:0'] : []),
    `--storage-path=${path.join(opts.storageRoot, opts.identity)}`,
    `--identity=${opts.identity}`,
    '--log-level=warn',
    ...opts.args,
  ];
  const proc = spawn(process.execPath, args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...opts.env },
  });
  let err = '';
  proc.stderr?.setEncoding('utf8');
  proc.stderr?.on('data', (d: string) => (err = (err + d).slice(-20_000)));
  const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  return {
    proc,
    identity: opts.identity,
    metricsUrl,
    stderr: () => err,
    metrics: async () => (await fetch(metricsUrl)).text(),
    kill: () => void proc.kill('SIGKILL'),
  };
}

/** Runs `driftless run <args>` to its exit (for flags refused at start): exit code and stderr. */
export function runDriftlessToExit(args: string[]): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [bin, 'run', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stderr: r.stderr };
}

/** The value of a counter/gauge series in Prometheus text, matched by name and labels; 0 when absent. */
export function metricValue(text: string, name: string, labels: Record<string, string>): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const close = line.lastIndexOf('}');
    const body = line.slice(name.length + 1, close);
    const ok = Object.entries(labels).every(([k, v]) => body.includes(`${k}="${v}"`));
    if (ok) return Number(line.slice(close + 1).trim());
  }
  return 0;
}
