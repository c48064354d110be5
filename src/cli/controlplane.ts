import { Command, InvalidArgumentError, Option } from 'commander';
import { ControlPlaneError, controlPlaneStatus, startControlPlane, stopControlPlane } from '../devenv/control-plane.ts';

/** Where the CLI writes: results to `out` (default stdout), progress and diagnostics to `err` (default stderr). */
export type ControlPlaneCommandOptions = {
  out?: { write(text: string): unknown };
  err?: { write(text: string): unknown };
};

const defaultDir = '.testenv/control-plane';

/**
 * `driftless controlplane start|stop|status [--dir <dir>]`: a local Kubernetes control plane (etcd,
 * kube-apiserver, controller manager, scheduler, kwok) for tests and development. `start` leaves the
 * processes running in the background and prints the kubeconfig path; failures exit 1 with the reason.
 */
export function controlPlaneCommand(opts: ControlPlaneCommandOptions = {}): Command {
  const out = opts.out ?? process.stdout;
  const err = opts.err ?? process.stderr;
  const dirOption = () =>
    new Option('--dir <dir>', 'state dir: certificates, etcd data, kubeconfig, pid files, logs').default(defaultDir);

  const cmd = new Command('controlplane').description(
    'run a local Kubernetes control plane (etcd, kube-apiserver, controller manager, scheduler, kwok)',
  );

  cmd
    .command('start')
    .description('start it in the background and print the path of its admin kubeconfig')
    .addOption(dirOption())
    .option('--bin-dir <dir>', 'where the binaries are (default ~/.cache/driftless/bin, see scripts/provision.sh)')
    .option('--timeout <seconds>', 'give up after this many seconds', parseSeconds, 120)
    .action(async (o: { dir: string; binDir?: string; timeout: number }, self: Command) => {
      await report(self, async () => {
        const cp = await startControlPlane({
          dir: o.dir,
          ...(o.binDir ? { binDir: o.binDir } : {}),
          detached: true,
          timeoutMs: o.timeout * 1000,
          log: (line) => err.write(`${line}\n`),
        });
        err.write(`stop it with: driftless controlplane stop --dir ${o.dir}\n`);
        out.write(`${cp.kubeconfigPath}\n`);
      });
    });

  cmd
    .command('stop')
    .description('stop its processes (SIGTERM, then SIGKILL); the dir is kept')
    .addOption(dirOption())
    .action(async (o: { dir: string }, self: Command) => {
      await report(self, async () => {
        await stopControlPlane(o.dir);
        err.write(`stopped the control plane in ${o.dir}\n`);
      });
    });

  cmd
    .command('status')
    .description('show which processes run and the API server URL; exits 1 unless all run')
    .addOption(dirOption())
    .action(async (o: { dir: string }, self: Command) => {
      await report(self, async () => {
        const s = await controlPlaneStatus(o.dir);
        const rows = s.processes.map(
          (p) => `${p.component.padEnd(24)}${String(p.pid ?? '-').padEnd(10)}${p.running ? 'running' : 'stopped'}`,
        );
        out.write(
          [
            `server:     ${s.server ?? '(never started)'}`,
            `kubeconfig: ${s.kubeconfigPath}`,
            '',
            `${'COMPONENT'.padEnd(24)}${'PID'.padEnd(10)}STATE`,
            ...rows,
            '',
          ].join('\n'),
        );
        if (!s.running) process.exitCode = 1;
      });
    });

  return cmd;
}

function parseSeconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError(`--timeout must be a positive number of seconds, got "${value}"`);
  return n;
}

/** Turns a ControlPlaneError into a one-line CLI error (reason: message) instead of a stack trace. */
async function report(self: Command, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (e) {
    if (e instanceof ControlPlaneError) self.error(`${e.reason}: ${e.message}`, { exitCode: 1 });
    throw e;
  }
}
