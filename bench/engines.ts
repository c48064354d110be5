// The two engines under test, behind one shape: Driftless (one process) and Flux (source- and kustomize-controller,
// plus notification-controller when a row needs a Receiver), each started out of cluster with loopback listeners.
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startChild, type Child } from './child.ts';
import type { FluxControllerName, FluxPeers } from './flux-peers.ts';
import { pollUntil } from './readiness.ts';

/** Which engine. */
export type EngineName = 'driftless' | 'flux';

/** An engine running against the benchmark's control plane. */
export type RunningEngine = {
  name: EngineName;
  /** Its processes; CPU and memory are summed over them. */
  children: Child[];
  /** Base URLs of every process's /metrics server. */
  metricsUrls: string[];
  /** Base URL of the webhook receiver (`/hook/…`), when this engine runs one. */
  receiverUrl?: string;
  /** Milliseconds from spawn until every process answered /readyz. */
  startedMs: number;
  /**
   * Milliseconds from spawn until every process's controllers run their workers (caches synced), read from the
   * logs. Unlike /readyz this means the same on both engines: Flux's /readyz is a ping that answers before its
   * caches sync, Driftless's answers once they have.
   */
  workingMs: number;
  /** Why a process ended, or undefined while all run. */
  exited(): string | undefined;
  /** The tail of every process's log, labelled. */
  logTail(lines?: number): Promise<string>;
  stop(): Promise<void>;
};

/** Options of {@link startEngine}. */
export type EngineStartOptions = {
  name: EngineName;
  kubeconfig: string;
  /** A fresh directory for logs and artifact storage. */
  workDir: string;
  /** `--concurrent` for every controller; default: each one's own default. */
  concurrent?: number;
  logLevel: string;
  /** Flux: also start notification-controller (it serves Receivers). Driftless always serves them. */
  receiver: boolean;
  flux: FluxPeers;
  /** Driftless: Node.js options before the script (profiling). */
  nodeArgs?: readonly string[];
  /**
   * Driftless: run this many shard processes instead of one manager, as Flux shards: process k watches
   * `sharding.fluxcd.io/key=shard<k>`, runs the source and kustomize groups and elects its shard's leader.
   */
  shards?: number;
  /** Flux: run helm-controller too (P9). */
  helm?: boolean;
  signal?: AbortSignal;
};

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** A free loopback port: bound, read and released (a race with another process is possible but unlikely). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('could not pick a free port');
  return address.port;
}

const addr = (port: number): string => `127.0.0.1:${port}`;
const url = (port: number): string => `http://127.0.0.1:${port}`;

/** One process to start, with the ports it listens on. */
type Spawn = {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  metrics: number;
  health: number;
};

/** The label Flux's sharding selects on, and the label value of shard `k` (1-based). */
export const SHARD_KEY = 'sharding.fluxcd.io/key';
export const shardName = (k: number): string => `shard${k}`;

/** One Driftless process per shard (see EngineStartOptions.shards); no receiver, no event intake. */
async function driftlessShardSpawns(
  o: EngineStartOptions,
  shards: number,
  ports: () => Promise<number>,
): Promise<Spawn[]> {
  const spawns: Spawn[] = [];
  for (let k = 1; k <= shards; k++) {
    const [metrics, health, storage] = [await ports(), await ports(), await ports()];
    const name = `driftless-${shardName(k)}`;
    const args = [
      ...(o.nodeArgs ?? []),
      path.join(repoRoot, 'bin', 'driftless.js'),
      'run',
      `--kubeconfig=${o.kubeconfig}`,
      `--metrics-addr=${addr(metrics)}`,
      `--health-addr=${addr(health)}`,
      `--storage-addr=${addr(storage)}`,
      `--storage-path=${path.join(o.workDir, `storage-${k}`)}`,
      `--log-level=${o.logLevel}`,
      `--identity=${name}`,
      `--watch-label-selector=${SHARD_KEY}=${shardName(k)}`,
      '--enable-leader-election',
      '--controllers=source,kustomize',
      ...(o.concurrent ? [`--concurrent=${o.concurrent}`] : []),
    ];
    spawns.push({ name, command: process.execPath, args, metrics, health });
  }
  return spawns;
}

async function driftlessSpawns(
  o: EngineStartOptions,
  ports: () => Promise<number>,
): Promise<{ spawns: Spawn[]; receiver?: number }> {
  if (o.shards !== undefined) return { spawns: await driftlessShardSpawns(o, o.shards, ports) };
  const [metrics, health, storage, receiver, events] = [
    await ports(),
    await ports(),
    await ports(),
    await ports(),
    await ports(),
  ];
  const args = [
    ...(o.nodeArgs ?? []),
    path.join(repoRoot, 'bin', 'driftless.js'),
    'run',
    '--kubeconfig',
    o.kubeconfig,
    '--metrics-addr',
    addr(metrics),
    '--health-addr',
    addr(health),
    '--storage-addr',
    addr(storage),
    '--receiver-addr',
    addr(receiver),
    '--events-addr',
    addr(events),
    '--storage-path',
    path.join(o.workDir, 'storage'),
    '--log-level',
    o.logLevel,
    ...(o.concurrent ? ['--concurrent', String(o.concurrent)] : []),
  ];
  return { spawns: [{ name: 'driftless', command: process.execPath, args, metrics, health }], receiver };
}

async function fluxSpawns(
  o: EngineStartOptions,
  ports: () => Promise<number>,
): Promise<{ spawns: Spawn[]; receiver?: number }> {
  const need: FluxControllerName[] = ['source-controller', 'kustomize-controller'];
  if (o.receiver) need.push('notification-controller');
  if (o.helm) need.push('flux-helm-controller');
  const spawns: Spawn[] = [];
  let receiver: number | undefined;
  // Flux's controllers have no --kubeconfig flag; they read KUBECONFIG. RUNTIME_NAMESPACE is where their
  // events and leases would live in a cluster.
  const env = { KUBECONFIG: o.kubeconfig, RUNTIME_NAMESPACE: 'flux-system' };
  for (const name of need) {
    const peer = o.flux[name];
    if (!peer) throw new Error(`${name} is not provisioned: run scripts/provision.sh bench`);
    const [metrics, health] = [await ports(), await ports()];
    const args = [
      `--metrics-addr=${addr(metrics)}`,
      `--health-addr=${addr(health)}`,
      '--enable-leader-election=false',
      `--log-level=${o.logLevel}`,
      ...(o.concurrent ? [`--concurrent=${o.concurrent}`] : []),
    ];
    if (name === 'source-controller') {
      const storage = await ports();
      const dir = path.join(o.workDir, 'storage');
      await mkdir(dir, { recursive: true });
      args.push(`--storage-addr=${addr(storage)}`, `--storage-adv-addr=${addr(storage)}`, `--storage-path=${dir}`);
    }
    if (name === 'notification-controller') {
      receiver = await ports();
      args.push(`--receiverAddr=${addr(receiver)}`, `--events-addr=${addr(await ports())}`);
    }
    spawns.push({ name, command: peer.bin, args, env, metrics, health });
  }
  return receiver === undefined ? { spawns } : { spawns, receiver };
}

/**
 * Starts an engine and waits until every process answers /readyz (2 minutes at most). On failure, stops what
 * it started and throws with the logs' tails.
 */
export async function startEngine(o: EngineStartOptions): Promise<RunningEngine> {
  await mkdir(o.workDir, { recursive: true });
  const plan = o.name === 'driftless' ? await driftlessSpawns(o, freePort) : await fluxSpawns(o, freePort);
  const start = performance.now();
  const children: Child[] = [];
  let timings = { startedMs: 0, workingMs: 0 };
  const exited = (): string | undefined => {
    for (const c of children) {
      const why = c.exited();
      if (why) return `${c.name} ${why}`;
    }
    return undefined;
  };
  const logTail = async (lines = 20): Promise<string> =>
    (await Promise.all(children.map(async (c) => `--- ${c.name} ---\n${await c.logTail(lines)}`))).join('\n');
  const stop = async (): Promise<void> => {
    await Promise.all(children.map((c) => c.stop()));
  };
  try {
    for (const s of plan.spawns)
      children.push(
        await startChild({
          name: s.name,
          command: s.command,
          args: s.args,
          ...(s.env ? { env: s.env } : {}),
          cwd: repoRoot,
          logFile: path.join(o.workDir, `${s.name}.log`),
        }),
      );
    // Polled every 10 ms: start-up is measured in these waits, and Flux's takes a few hundred milliseconds.
    let startedMs = 0;
    let workingMs = 0;
    await pollUntil({
      what: `${o.name} to answer /readyz and run its workers`,
      check: async () => {
        if (!startedMs) {
          const answers = await Promise.all(plan.spawns.map((s) => readyz(s.health)));
          if (answers.every(Boolean)) startedMs = performance.now() - start;
        }
        if (!workingMs) {
          const logs = await Promise.all(children.map((c) => c.log()));
          if (logs.every((text) => workersStarted(text))) workingMs = performance.now() - start;
        }
        const done = Boolean(startedMs && workingMs);
        return { done, progress: `readyz ${startedMs ? 'yes' : 'no'}, workers ${workingMs ? 'yes' : 'no'}` };
      },
      timeoutMs: 120_000,
      intervalMs: 10,
      failIf: exited,
      log: () => undefined,
      ...(o.signal ? { signal: o.signal } : {}),
    });
    timings = { startedMs, workingMs };
  } catch (err) {
    const tail = await logTail().catch(() => '');
    await stop();
    throw new Error(`${o.name} did not start: ${err instanceof Error ? err.message : String(err)}\n${tail}`);
  }
  return {
    name: o.name,
    children,
    metricsUrls: plan.spawns.map((s) => url(s.metrics)),
    ...(plan.receiver !== undefined ? { receiverUrl: url(plan.receiver) } : {}),
    ...timings,
    exited,
    logTail,
    stop,
  };
}

/**
 * Whether a process's log says its controllers run their workers: Driftless logs `controllers started` once every
 * informer has synced; each controller-runtime controller of a Flux binary logs `Starting EventSource` when it
 * starts and `Starting workers` once its caches have synced, so every controller named in the first must appear
 * in the second; pure.
 */
export function workersStarted(log: string): boolean {
  if (log.includes('"msg":"controllers started"')) return true;
  const controllers = new Set<string>();
  const working = new Set<string>();
  for (const line of log.split('\n')) {
    const m = /"msg":"(Starting EventSource|Starting workers)".*?"controller":"([^"]+)"/.exec(line);
    if (m?.[2]) (m[1] === 'Starting workers' ? working : controllers).add(m[2]);
  }
  return controllers.size > 0 && [...controllers].every((c) => working.has(c));
}

async function readyz(port: number): Promise<boolean> {
  try {
    const res = await fetch(`${url(port)}/readyz`, { signal: AbortSignal.timeout(2000) });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}
