// Flux's own helm-controller (built by scripts/provision.sh as `flux-helm-controller`) run out of cluster
// against a test's control plane, as the benchmark runs Flux's controllers: KUBECONFIG and RUNTIME_NAMESPACE
// from the environment (it has no --kubeconfig flag), loopback metrics and health, no leader election.
import { spawn } from 'node:child_process';
import { access, constants, open, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { freePort } from './driftless-process.ts';

const binDir = (): string =>
  process.env['DRIFTLESS_TEST_BIN_DIR'] ?? path.join(homedir(), '.cache', 'driftless', 'bin');

/** A running Flux helm-controller. */
export interface FluxHelmController {
  /** Where its log goes. */
  logFile: string;
  /** Its log so far (JSON lines), for failure messages. */
  log(): Promise<string>;
  /** Why it ended, or undefined while it runs. */
  exited(): string | undefined;
  /** SIGTERM, then waits for the exit (SIGKILL after 20 s). */
  stop(): Promise<void>;
}

/** Path of the binary; throws, naming the provisioning command, when it is not built. */
export async function fluxHelmControllerBin(): Promise<string> {
  const bin = path.join(binDir(), 'flux-helm-controller');
  await access(bin, constants.X_OK).catch(() => {
    throw new Error(`${bin} not found; run scripts/provision.sh helm`);
  });
  return bin;
}

/** Starts Flux's helm-controller watching every namespace; its log goes to `logFile`. */
export async function startFluxHelmController(opts: {
  kubeconfig: string;
  logFile: string;
}): Promise<FluxHelmController> {
  const bin = await fluxHelmControllerBin();
  const out = await open(opts.logFile, 'a');
  const proc = spawn(
    bin,
    [
      `--metrics-addr=127.0.0.1:${await freePort()}`,
      `--health-addr=127.0.0.1:${await freePort()}`,
      '--enable-leader-election=false',
      '--watch-all-namespaces=true',
      '--log-level=debug',
    ],
    {
      stdio: ['ignore', out.fd, out.fd],
      env: {
        PATH: process.env['PATH'] ?? '/usr/bin:/bin',
        KUBECONFIG: opts.kubeconfig,
        RUNTIME_NAMESPACE: 'flux-system',
      },
    },
  );
  let ended: string | undefined;
  const exit = new Promise<void>((resolve) =>
    proc.on('exit', (code, signal) => {
      ended = `exited (${signal ?? `code ${code}`})`;
      resolve();
    }),
  );
  proc.on('error', (err) => (ended = `failed to start: ${err.message}`));
  await out.close();
  return {
    logFile: opts.logFile,
    log: () => readFile(opts.logFile, 'utf8').catch(() => ''),
    exited: () => ended,
    async stop() {
      if (ended) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
      await exit;
      clearTimeout(timer);
    },
  };
}
