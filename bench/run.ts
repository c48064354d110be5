// Entry point of `npm run bench`: Driftless and Flux's own controllers side by side on one local control plane,
// alternating, each on a fresh namespace; prints a Markdown table and appends it to bench/results/<date>.md.
import { appendFile, mkdir, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { EngineName } from './engines.ts';
import { findFluxPeers } from './flux-peers.ts';
import { markdownTable, resultsSection, type Line } from './report.ts';
import { runP1 } from './rows/p1.ts';
import { runP2 } from './rows/p2.ts';
import { runP5 } from './rows/p5.ts';
import { runOci } from './rows/oci.ts';
import { runP7, runP8 } from './rows/p7.ts';
import { runP9 } from './rows/p9.ts';
import { runShards } from './rows/shards.ts';
import { describeMachine, measuredCommit, openSession } from './setup.ts';

const positiveInt = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
};
const sizes = (v: string): number[] => v.split(',').map((s) => positiveInt(s.trim()));
const ROWS = ['p1', 'p2', 'p5', 'p7', 'p8', 'p9', 'shards', 'oci'] as const;
/** Rows a plain `npm run bench` runs; `shards` and `oci` (Driftless alone) only when named. */
const DEFAULT_ROWS: readonly RowId[] = ['p1', 'p2', 'p5', 'p7', 'p8', 'p9'];
/** Rows that measure Driftless alone: Flux's controllers are not needed when only these run. */
const DRIFTLESS_ONLY: readonly RowId[] = ['shards', 'oci'];
type RowId = (typeof ROWS)[number];
const rowList = (v: string): RowId[] =>
  v.split(',').map((s) => {
    const id = s.trim().toLowerCase();
    if (!(ROWS as readonly string[]).includes(id))
      throw new InvalidArgumentError(`rows are ${ROWS.join(', ')} (P3 runs with p2, P4 with p1, P6 with p5)`);
    return id as RowId;
  });

const LAYOUT = [
  'One control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok) and one Git server for the whole run. Each engine turn gets a fresh namespace and repository, starts its engine, creates a GitRepository (interval 60m) and waits until it is Ready before the clock starts; afterwards the engine is stopped and the namespace deleted (finalizers dropped) before the next turn. Engines alternate (Driftless first, then Flux; swapped on every other repetition).',
  'Driftless: `node bin/driftless.js run`, default flags, loopback listeners. Flux: source-controller and kustomize-controller (plus notification-controller in P5/P6) out of cluster with KUBECONFIG, RUNTIME_NAMESPACE=flux-system, --enable-leader-election=false, loopback listeners, default flags otherwise. `--concurrent` is passed to every controller of both engines only when given.',
  "CPU-seconds: utime+stime of the engine processes plus cutime+cstime (children they reaped: Driftless runs `kustomize` as a child; Flux builds in process) plus the utime+stime of live descendants (Driftless's long-lived helm workers) over the measured interval, from /proc/<pid>/stat. Peak RSS: sum of the processes' VmHWM (children not included; the \"incl. live children\" lines sample the whole process tree 4 times a second: the sum of VmRSS, and the sum of Pss from /proc/<pid>/smaps_rollup, where a page shared by several processes, such as the text of one binary running four times at once, counts once in all). API requests: `rest_client_requests_total` of the engines' /metrics, difference over the interval.",
  'P1: N Kustomizations x 4 objects (ConfigMap, Secret, headless Service, one-replica Deployment), one directory each, `wait: true`, `targetNamespace`; time from the first create until all are Ready (listed once a second). P4: RSS after the settle period with all Ready. Floor: `kustomize build` of the same directories piped to one `kubectl apply --server-side`, then until every Deployment rolled out.',
  'P2: one Kustomization of N ConfigMaps: create to Ready; then a commit changing every ConfigMap, `reconcile.fluxcd.io/requestedAt` on the GitRepository, until the Kustomization is Ready at that revision. Floor: kubectl apply of the same, then of the changed objects. P3: `requestedAt` on that Kustomization 10 times, each waited for (lastHandledReconcileAt), nothing changed; writes and dry-runs of the ConfigMaps as counted by the API server (`apiserver_request_total`, every verb but GET, LIST and WATCH).',
  "P5: one Kustomization (interval 1m) of one ConfigMap; 20 times: commit and push, POST the generic Receiver's webhook, poll the ConfigMap every 50 ms until it has the pushed value. P6: then `kubectl edit` (a scripted editor) changes that ConfigMap; time until it has the Git value again.",
  'P7: an engine with no objects: spawn to /readyz, then RSS and CPU after the settle period. P8: 1000 Kustomizations with a Ready status and no engine running; each command run once to warm up, then 5 rounds of every command in turn (driftless, flux, kubectl) under GNU time; the median of each.',
  "S (Driftless only, no Flux column): N Kustomizations of one ConfigMap each (own directory, one GitRepository labelled shard1), labelled round-robin `sharding.fluxcd.io/key=shard<k>` over 1, 2, 4 shard processes (`--watch-label-selector`, `--enable-leader-election`, `--controllers=source,kustomize`, default --kube-api-qps 50 / burst 300 each); time from the first create until all are Ready. kube-apiserver and etcd CPU from /proc; the API server's requests (all clients, the harness's 1/s list included), mean non-watch latency and priority-and-fairness queue wait from its /metrics (`kubectl get --raw /metrics`).",
  "O (Driftless only, no Flux column): N applications of one ConfigMap each (a kustomization.yaml and the ConfigMap at the root), delivered two ways in two turns, each with a fresh Driftless (`driftless run`, default flags): N OCIRepositories (interval 60m, tag v1, `insecure`), each its own repository in a local registry (distribution v3, plain HTTP on loopback) pushed before the clock with Driftless's own `push artifact` code; then N GitRepositories (interval 60m, branch main), each its own repository on the Git server. One Kustomization per source (path ./, interval 60m, no `wait`). The clock runs from the first create (source and Kustomization created together, 16 at a time) until all N Kustomizations are Ready; sources and Kustomizations are listed once a second for the times until all sources and 95% of the Kustomizations were Ready (retryInterval 30s).",
];

type CliOptions = {
  n: number[];
  full: boolean;
  only?: RowId[];
  repeat: number;
  p2Objects: number;
  pushes: number;
  noop: number;
  cliObjects: number;
  p9N: number;
  settle: number;
  timeout: number;
  concurrent?: number;
  engineLogLevel: string;
  kubectl: string;
  kustomize: string;
  flux: string;
  write: boolean;
  resultsDir: string;
  engine?: EngineName;
  floor: boolean;
  nodeArgs?: string;
  shardCounts: number[];
  shardKustomizations: number;
  ociN: number;
};

/** Parses argv, runs the chosen rows in order and reports; exits non-zero only when the harness itself fails. */
async function main(argv: string[]): Promise<void> {
  const cacheDir = process.env['DRIFTLESS_CACHE'] ?? path.join(os.homedir(), '.cache', 'driftless');
  const binDir = path.join(cacheDir, 'bin');
  const here = path.dirname(fileURLToPath(import.meta.url));
  const program = new Command('driftless-bench')
    .description("on-demand benchmarks: Driftless vs Flux's own controllers (and kubectl) on a local control plane")
    .option('--n <sizes>', 'P1 sizes, comma-separated', sizes, [100])
    .option('--full', 'P1 with N=100 and N=1000 (overrides --n)', false)
    .option('--only <rows>', `rows to run, comma-separated: ${ROWS.join(', ')}`, rowList)
    .option('--repeat <k>', 'turns per engine and row (alternating which engine goes first)', positiveInt, 1)
    .option('--p2-objects <n>', 'ConfigMaps in P2/P3', positiveInt, 1000)
    .option('--pushes <n>', 'pushes in P5', positiveInt, 20)
    .option('--noop <n>', 'no-op reconciles in P3', positiveInt, 10)
    .option('--cli-objects <n>', 'Kustomizations listed in P8', positiveInt, 1000)
    .option('--p9-n <n>', 'HelmReleases in P9', positiveInt, 100)
    .option('--settle <seconds>', 'wait before reading steady (P4) and idle (P7) memory', positiveInt, 30)
    .option('--timeout <minutes>', 'limit of each wait for Ready', positiveInt, 15)
    .option(
      '--concurrent <n>',
      "workers per controller, passed to both engines (default: each one's default)",
      positiveInt,
    )
    .option('--engine-log-level <level>', 'log level of the engines', 'info')
    .option('--kubectl <file>', 'kubectl binary', path.join(binDir, 'kubectl'))
    .option('--kustomize <file>', 'kustomize binary', path.join(binDir, 'kustomize'))
    .option('--flux <file>', 'flux CLI', path.join(binDir, 'flux'))
    .option('--no-write', 'do not append the table to the results file')
    .addOption(
      new Option('--engine <name>', 'run one engine only (profiling; no ratios, no results file)').choices([
        'driftless',
        'flux',
      ]),
    )
    .option('--no-floor', 'skip the kubectl floor of P1 and P2')
    .option('--node-args <args>', "Node.js options for the Driftless process, e.g. '--cpu-prof --cpu-prof-dir=/tmp/p'")
    .option('--results-dir <dir>', 'where <date>.md is written', path.join(here, 'results'))
    .option('--shard-counts <list>', 'row shards: shard processes per turn, comma-separated', sizes, [1, 2, 4])
    .option('--shard-kustomizations <n>', 'row shards: Kustomizations split over the shards', positiveInt, 2000)
    .option(
      '--oci-n <n>',
      'row oci: OCIRepositories (and GitRepositories) with one Kustomization each',
      positiveInt,
      100,
    )
    .argument('[rows]', 'rows to run, as --only', rowList)
    .parse(argv);
  const o = program.opts<CliOptions>();
  const positional = program.processedArgs[0] as RowId[] | undefined;
  if (positional) o.only = [...(o.only ?? []), ...positional];
  for (const [file, what] of [
    [o.kubectl, 'kubectl'],
    [o.kustomize, 'kustomize'],
    [o.flux, 'the flux CLI'],
    ['/usr/bin/time', 'GNU time (P8)'],
  ] as const)
    await requireFile(file, what);
  const flux = await findFluxPeers(cacheDir);
  const only = new Set<RowId>(o.only ?? DEFAULT_ROWS);
  // The shards and oci rows measure Driftless alone: Flux's controllers are not needed for them.
  const engines: EngineName[] = o.engine
    ? [o.engine]
    : [...only].every((r) => DRIFTLESS_ONLY.includes(r))
      ? ['driftless']
      : ['driftless', 'flux'];
  if (o.engine) o.write = false;
  for (const name of ['source-controller', 'kustomize-controller'] as const)
    if (engines.includes('flux') && !flux[name])
      throw new Error(`${name} is not provisioned: run scripts/provision.sh bench`);
  if (engines.includes('flux') && only.has('p9') && !flux['flux-helm-controller'])
    throw new Error('P9 needs Flux helm-controller (flux-helm-controller): run scripts/provision.sh bench');

  // Every Driftless process of the run (engines, P8's CLI) runs the dist/ that `npm run bench` built at the start,
  // even if the sources change meanwhile: otherwise bin/driftless.js would fall back to compiling them at each start.
  process.env['DRIFTLESS_USE_DIST'] = '1';
  const aborter = new AbortController();
  const onSignal = (): void => {
    if (aborter.signal.aborted) process.exit(130);
    process.stderr.write('\ninterrupted: cleaning up (Ctrl-C again to exit at once)\n');
    aborter.abort(new Error('interrupted'));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const startedAt = new Date();
  const repoRoot = path.resolve(here, '..');
  const commit = await measuredCommit(repoRoot);
  const log = (line: string): void => void process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
  log(`measuring commit ${commit}`);
  const p1Sizes = o.full ? [100, 1000] : o.n;
  const { session, crdNotes } = await openSession(
    {
      ...(o.concurrent ? { concurrent: o.concurrent } : {}),
      logLevel: o.engineLogLevel,
      engines,
      floor: o.floor,
      ...(o.nodeArgs ? { driftlessNodeArgs: o.nodeArgs.split(/\s+/).filter(Boolean) } : {}),
      timeoutMs: o.timeout * 60_000,
      settleMs: o.settle * 1000,
      kubectlBin: o.kubectl,
      kustomizeBin: o.kustomize,
      fluxCli: o.flux,
      log,
      signal: aborter.signal,
    },
    flux,
    only.has('p1') ? Math.max(...p1Sizes) * 2 : 0,
  );
  const lines: Line[] = [];
  let failure: unknown;
  try {
    const machine = await describeMachine(session, { kubectl: o.kubectl, kustomize: o.kustomize, flux: o.flux });
    try {
      if (only.has('p1')) for (const n of p1Sizes) lines.push(...(await runP1(session, n, o.repeat)));
      if (only.has('p2')) lines.push(...(await runP2(session, o.p2Objects, o.repeat, o.noop)));
      if (only.has('p5')) lines.push(...(await runP5(session, o.pushes, o.repeat)));
      if (only.has('p7')) lines.push(...(await runP7(session, o.repeat)));
      if (only.has('p8')) lines.push(...(await runP8(session, o.cliObjects, 5)));
      if (only.has('p9')) lines.push(...(await runP9(session, o.p9N, o.repeat)));
      if (only.has('shards')) lines.push(...(await runShards(session, o.shardKustomizations, o.shardCounts, o.repeat)));
      if (only.has('oci')) lines.push(...(await runOci(session, o.ociN, o.repeat)));
    } catch (err) {
      failure = err;
    }
    if (lines.length > 0) {
      const endCommit = await measuredCommit(repoRoot);
      const notes = [
        ...(endCommit !== commit ? [`HEAD moved during the run: ${commit} at the start, ${endCommit} at the end`] : []),
        ...crdNotes,
        'Other work shared the machine during the run; the numbers are indicative. Compare the ratios more than the absolute times.',
        ...(failure ? [`The run stopped early: ${failure instanceof Error ? failure.message : String(failure)}`] : []),
      ];
      await report(lines, o, { startedAt, argv, commit, machine, notes });
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    log('stopping the Git server and the control plane');
    await session.env.stop();
  }
  if (failure) throw failure instanceof Error ? failure : new Error(String(failure));
}

async function report(
  lines: Line[],
  o: CliOptions,
  meta: { startedAt: Date; argv: string[]; commit: string; machine: string[]; notes: string[] },
): Promise<void> {
  process.stdout.write(`\n${markdownTable(lines)}\n\n`);
  if (!o.write) return;
  const day = meta.startedAt.toISOString().slice(0, 10);
  const file = path.join(o.resultsDir, `${day}.md`);
  await mkdir(o.resultsDir, { recursive: true });
  const exists = await stat(file).then(
    () => true,
    () => false,
  );
  const args = meta.argv.slice(2);
  const section = resultsSection(lines, {
    startedAt: meta.startedAt,
    command: args.length > 0 ? `npm run bench -- ${args.join(' ')}` : 'npm run bench',
    commit: meta.commit,
    machine: meta.machine,
    layout: LAYOUT,
    notes: meta.notes,
  });
  await appendFile(file, `${exists ? '\n' : `# Benchmark results, ${day}\n\n`}${section}`);
  process.stdout.write(`results appended to ${file}\n`);
}

async function requireFile(file: string, what: string): Promise<void> {
  await stat(file).catch(() => {
    throw new Error(`${what} not found at ${file} (build it with scripts/provision.sh)`);
  });
}

try {
  await main(process.argv);
} catch (err) {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
