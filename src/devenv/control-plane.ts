import { access, constants, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { adminClient } from './control-plane/api.ts';
import { ControlPlaneError, ControlPlaneReason } from './control-plane/errors.ts';
import { components, type Component, type Layout, type Ports } from './control-plane/flags.ts';
import { kwokConfigYaml } from './control-plane/kwok-stages.ts';
import { writeKubeconfig } from './control-plane/kubeconfig.ts';
import { ensurePki } from './control-plane/pki.ts';
import { pickPorts } from './control-plane/ports.ts';
import { isComponentRunning, readPid, removePidFile, terminate } from './control-plane/processes.ts';
import { bootComponents } from './control-plane/boot.ts';
import { retry } from '../util/retry.ts';

export { ControlPlaneError, ControlPlaneReason } from './control-plane/errors.ts';
export { fakeNodeName } from './control-plane/boot.ts';

/** A running local control plane: its state dir, admin kubeconfig and API server URL. */
export type ControlPlane = {
  dir: string;
  kubeconfigPath: string;
  /** `https://127.0.0.1:<port>` */
  server: string;
  /** Stops every process (SIGTERM, then SIGKILL) and removes the pid files; the dir itself stays. */
  stop(): Promise<void>;
};

/** Options of `startControlPlane`. */
export type StartControlPlaneOptions = {
  /**
   * State dir: certificates, etcd data, kubeconfig, pid files and one log per process. Created if missing;
   * certificates (and free ports) are reused from an earlier start, etcd data is not.
   */
  dir: string;
  /** Where the binaries are; default `~/.cache/driftless/bin` (filled by scripts/provision.sh). */
  binDir?: string;
  /** Receives progress lines; default: discarded. */
  log?: (line: string) => void;
  /** Let the processes outlive this Node.js process (for the CLI); default false: they are killed when it exits. */
  detached?: boolean;
  /** Give up (and stop what was started) after this long; default 120 s. */
  timeoutMs?: number;
};

/** What `controlPlaneStatus` reports about one dir. */
export type ControlPlaneStatus = {
  dir: string;
  kubeconfigPath: string;
  /** The API server URL of the last start, if any. */
  server?: string;
  /** True when every process runs. */
  running: boolean;
  processes: { component: Component; pid?: number; running: boolean }[];
};

type State = { server: string; ports: Ports };

const stateFile = (dir: string) => join(dir, 'control-plane.json');

/**
 * Starts etcd, kube-apiserver (RBAC), kube-controller-manager, kube-scheduler and kwok on loopback,
 * registers one fake Node, and resolves once /readyz is ok, the default ServiceAccount exists and the
 * Node is Ready. Retries with other ports when one is taken; stops everything it started on failure.
 * Throws `ControlPlaneError`: MissingBinary, AlreadyRunning, CertificateFailed, ProcessExited (with the
 * end of that process's log) or StartTimeout.
 */
export async function startControlPlane(opts: StartControlPlaneOptions): Promise<ControlPlane> {
  const dir = resolve(opts.dir);
  const binDir = opts.binDir ?? join(homedir(), '.cache', 'driftless', 'bin');
  const log = opts.log ?? (() => {});
  const detached = opts.detached ?? false;
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  await mkdir(dir, { recursive: true });
  const binaries = await findBinaries(binDir);
  await clearStalePidFiles(dir);

  // Every start is a fresh cluster: a stale etcd would carry a Ready Node and leases held by a dead kwok.
  await rm(join(dir, 'etcd'), { recursive: true, force: true });
  log(`generating certificates in ${join(dir, 'pki')}`);
  const pki = await ensurePki(dir);
  const kubeconfigPath = join(dir, 'kubeconfig');
  const kwokConfigPath = join(dir, 'kwok.yaml');
  await writeFile(kwokConfigPath, kwokConfigYaml());
  const previous = await readState(dir);

  const { server, started } = await retry(
    async (attempt) => {
      // Keep the ports of the last run when they are free, so an existing kubeconfig stays valid.
      const preferred =
        attempt === 1 && previous ? [previous.ports.etcdClient, previous.ports.etcdPeer, previous.ports.apiserver] : [];
      const [etcdClient = 0, etcdPeer = 0, apiserver = 0] = await pickPorts(3, preferred);
      const ports: Ports = { etcdClient, etcdPeer, apiserver };
      const server = `https://127.0.0.1:${ports.apiserver}`;
      const layout: Layout = { dir, pki, ports, kubeconfigPath, kwokConfigPath };
      await writeKubeconfig(kubeconfigPath, server, pki);
      await writeFile(stateFile(dir), `${JSON.stringify({ server, ports } satisfies State, null, 2)}\n`);
      const client = await adminClient({ server, pki });
      try {
        return { server, started: await bootComponents({ layout, binaries, client, detached, log, deadline }) };
      } catch (err) {
        await stopControlPlane(dir);
        throw err;
      }
    },
    {
      attempts: 3,
      baseDelayMs: 0,
      maxDelayMs: 0,
      // Another process may take a probed port before the component binds it: try other ports.
      retryable: (err) => err instanceof ControlPlaneError && /address already in use/i.test(err.message),
      onRetry: () => log(`a port was taken by another process; retrying with other ports`),
    },
  );

  // Without this, a test that forgets stop() would leave five processes behind.
  const killOnExit = () => {
    for (const s of started) {
      if (s.exit) continue;
      try {
        process.kill(s.pid, 'SIGKILL');
      } catch (err) {
        // Already gone (stopped through the pid files); an 'exit' handler must not throw.
        if ((err as NodeJS.ErrnoException).code !== 'ESRCH') console.error(err);
      }
    }
  };
  if (!detached) process.once('exit', killOnExit);
  log(`control plane ready at ${server}; kubeconfig ${kubeconfigPath}`);
  return {
    dir,
    kubeconfigPath,
    server,
    stop: async () => {
      process.off('exit', killOnExit);
      await stopControlPlane(dir);
    },
  };
}

/**
 * Stops the control plane recorded in `dir` by its pid files (SIGTERM, then SIGKILL after 10 s) and
 * removes the pid files; stale or missing pid files are fine. Certificates and etcd data are kept.
 */
export async function stopControlPlane(dir: string): Promise<void> {
  const abs = resolve(dir);
  const targets: { pid: number; component: Component }[] = [];
  for (const component of [...components].reverse()) {
    const pid = await readPid(abs, component);
    if (pid !== undefined) targets.push({ pid, component });
  }
  await terminate(targets);
  await Promise.all(components.map((c) => removePidFile(abs, c)));
}

/** Reports which processes of the control plane in `dir` run (by pid file and /proc) and its server URL. */
export async function controlPlaneStatus(dir: string): Promise<ControlPlaneStatus> {
  const abs = resolve(dir);
  const processes = await Promise.all(
    components.map(async (component) => {
      const pid = await readPid(abs, component);
      const running = pid !== undefined && (await isComponentRunning(pid, component));
      return pid === undefined ? { component, running } : { component, pid, running };
    }),
  );
  const state = await readState(abs);
  return {
    dir: abs,
    kubeconfigPath: join(abs, 'kubeconfig'),
    ...(state ? { server: state.server } : {}),
    running: processes.every((p) => p.running),
    processes,
  };
}

// Checked in start order, one at a time, so the error always names the first missing one (etcd first).
async function findBinaries(binDir: string): Promise<Record<Component, string>> {
  const found: Partial<Record<Component, string>> = {};
  for (const c of components) {
    const path = join(binDir, c);
    await access(path, constants.X_OK).catch((err: unknown) => {
      throw new ControlPlaneError({
        reason: ControlPlaneReason.MissingBinary,
        message: `${c} not found or not executable at ${path}; run scripts/provision.sh to build it (or pass binDir)`,
        cause: err,
      });
    });
    found[c] = path;
  }
  return found as Record<Component, string>;
}

/** Refuses to start over a live control plane; forgets pid files whose process is gone. */
async function clearStalePidFiles(dir: string): Promise<void> {
  const status = await controlPlaneStatus(dir);
  const live = status.processes.filter((p) => p.running);
  if (live.length > 0) {
    throw new ControlPlaneError({
      reason: ControlPlaneReason.AlreadyRunning,
      message: `a control plane already runs in ${dir} (${live.map((p) => `${p.component} pid ${p.pid}`).join(', ')}); stop it first with \`driftless controlplane stop --dir ${dir}\``,
    });
  }
  await Promise.all(components.map((c) => removePidFile(dir, c)));
}

async function readState(dir: string): Promise<State | undefined> {
  const text = await readFile(stateFile(dir), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as State;
  } catch {
    // A truncated state file only costs the old ports; the next start rewrites it.
    return undefined;
  }
}
