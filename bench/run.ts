// Entry point of `npm run bench`: runs P1 (N Kustomizations x 4 objects) and P2 (1 Kustomization x 1000 ConfigMaps)
// against the engine and against a kubectl baseline, prints a Markdown table and appends it to bench/results/<date>.md.
import { appendFile, mkdir, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { defaultManagerConfig } from '../src/config/manager-config.ts';
import { runBenchmark } from './benchmark.ts';
import { p1Fixture, p2Fixture } from './fixtures.ts';
import { markdownTable, resultsSection, type BenchRow } from './report.ts';

const positiveInt = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
};
const sizes = (v: string): number[] => v.split(',').map((s) => positiveInt(s.trim()));

const LAYOUT = [
  'P1: one Git repository with one directory per Kustomization (`apps/app-NNNN/`: kustomization.yaml, a ConfigMap, a Secret, a headless Service, a one-replica Deployment); N Kustomizations with `wait: true` and `targetNamespace`, all created at once.',
  'P2: one directory with one file of N ConfigMaps; one Kustomization with `wait: true`.',
  'Driftless: `driftless run` in a child process (default flags, free loopback ports); time from the first Kustomization create until every Kustomization is Ready (listed once a second); peak RSS = VmHWM of that process. The GitRepository is Ready before the clock starts.',
  'Baseline: after the engine has stopped, on the same control plane, `kustomize build` of the same directories (8 at a time, same `targetNamespace` overlay into another namespace), one `kubectl apply --server-side --field-manager=bench -f -`, then listing once a second until every object exists and every Deployment has rolled out. Times count from the start of the builds.',
  'Each benchmark gets a fresh control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok); extra kwok Nodes are added when the Pods need them.',
];

type CliOptions = {
  n: number[];
  full: boolean;
  only?: 'p1' | 'p2';
  p2Objects: number;
  timeout: number;
  concurrent?: number;
  engineLogLevel: string;
  kubectl: string;
  kustomize: string;
  write: boolean;
  resultsDir: string;
};

/** Parses argv, runs the chosen benchmarks in order and reports; exits non-zero only when the harness itself fails. */
async function main(argv: string[]): Promise<void> {
  const binDir = path.join(os.homedir(), '.cache', 'driftless', 'bin');
  const here = path.dirname(fileURLToPath(import.meta.url));
  const program = new Command('driftless-bench')
    .description('on-demand benchmarks: Driftless vs kubectl apply --server-side on a local control plane')
    .option('--n <sizes>', 'P1 sizes, comma-separated', sizes, [100])
    .option('--full', 'P1 with N=100 and N=1000 (overrides --n)', false)
    .option('--only <which>', 'run only p1 or p2')
    .option('--p2-objects <n>', 'ConfigMaps in P2', positiveInt, 1000)
    .option('--timeout <minutes>', 'limit of each wait (engine Ready, baseline Ready)', positiveInt, 15)
    .option('--concurrent <n>', "engine workers per controller (default: the engine's default)", positiveInt)
    .option('--engine-log-level <level>', 'log level of the engine process', 'info')
    .option('--kubectl <file>', 'kubectl binary', path.join(binDir, 'kubectl'))
    .option('--kustomize <file>', 'kustomize binary', defaultManagerConfig().kustomizeBin)
    .option('--no-write', 'do not append the table to the results file')
    .option('--results-dir <dir>', 'where <date>.md is written', path.join(here, 'results'))
    .parse(argv);
  const o = program.opts<CliOptions>();
  if (o.only && o.only !== 'p1' && o.only !== 'p2') program.error("--only must be 'p1' or 'p2'");
  await requireFile(o.kubectl, 'kubectl (build it with scripts/provision.sh)');
  await requireFile(o.kustomize, 'kustomize (build it with scripts/provision.sh)');

  const plan: { label: string; make: () => ReturnType<typeof p1Fixture> }[] = [];
  if (o.only !== 'p2')
    for (const n of o.full ? [100, 1000] : o.n) plan.push({ label: `P1 (N=${n})`, make: () => p1Fixture(n) });
  if (o.only !== 'p1') plan.push({ label: `P2 (1 x ${o.p2Objects})`, make: () => p2Fixture(o.p2Objects) });

  const aborter = new AbortController();
  const onSignal = (): void => {
    if (aborter.signal.aborted) process.exit(130);
    process.stderr.write('\ninterrupted: cleaning up (Ctrl-C again to exit at once)\n');
    aborter.abort(new Error('interrupted'));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const startedAt = new Date();
  const rows: BenchRow[] = [];
  const log = (line: string): void => void process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
  try {
    for (const step of plan) {
      rows.push(
        await runBenchmark({
          label: step.label,
          fixture: step.make(),
          timeoutMs: o.timeout * 60_000,
          kubectlBin: o.kubectl,
          kustomizeBin: o.kustomize,
          engineLogLevel: o.engineLogLevel,
          ...(o.concurrent ? { concurrent: o.concurrent } : {}),
          log,
          signal: aborter.signal,
        }),
      );
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (rows.length > 0) await report(rows, o, startedAt, argv);
  }
}

async function report(rows: BenchRow[], o: CliOptions, startedAt: Date, argv: string[]): Promise<void> {
  process.stdout.write(`\n${markdownTable(rows)}\n\n`);
  if (!o.write) return;
  const cpus = os.cpus();
  const machine = `${cpus.length} x ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, ${os.platform()} ${os.release()}, Node ${process.version}`;
  const file = path.join(o.resultsDir, `${startedAt.toISOString().slice(0, 10)}.md`);
  await mkdir(o.resultsDir, { recursive: true });
  const exists = await stat(file).then(
    () => true,
    () => false,
  );
  const title = exists ? '' : `# Benchmark results, ${startedAt.toISOString().slice(0, 10)}\n\n`;
  const args = argv.slice(2);
  const command = args.length > 0 ? `npm run bench -- ${args.join(' ')}` : 'npm run bench';
  await appendFile(
    file,
    `${title}${exists ? '\n' : ''}${resultsSection(rows, { startedAt, command, machine, layout: LAYOUT })}`,
  );
  process.stdout.write(`results appended to ${file}\n`);
}

async function requireFile(file: string, what: string): Promise<void> {
  await stat(file).catch(() => {
    throw new Error(`${what} not found at ${file}`);
  });
}

try {
  await main(process.argv);
} catch (err) {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
