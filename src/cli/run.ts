import { Command, InvalidArgumentError } from 'commander';
import { defaultManagerConfig, type ManagerConfig } from '../config/manager-config.ts';
import { durationFlag } from './cluster.ts';
import { fluxFlagConfig, goBoolOption, withFluxFlags } from './run-flags.ts';

const positiveInt = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
};
const positiveNumber = (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
};

/** `driftless run`: the manager with every reconciler, flags named as in Flux's controllers. */
export function runCommand(): Command {
  const d = defaultManagerConfig();
  const cmd = new Command('run')
    .description('run the manager: all reconcilers in one process (Ctrl-C or SIGTERM stops it gracefully)')
    .option('--kubeconfig <file>', 'kubeconfig to use (default: in-cluster, then $KUBECONFIG or ~/.kube/config)')
    .option('--metrics-addr <addr>', 'address of /metrics; ":0" picks a free port', d.metricsAddr)
    .option('--health-addr <addr>', 'address of /healthz and /readyz; ":0" picks a free port', d.healthAddr)
    .option('--storage-addr <addr>', 'address of the artifact file server; ":0" picks a free port', d.storageAddr)
    .option(
      '--receiver-addr <addr>',
      'address of the webhook receiver server (/hook/…); ":0" picks a free port',
      d.receiverAddr,
    )
    .option(
      '--events-addr <addr>',
      'address of the HTTP event intake for external Flux controllers; "" disables it. Without the notification group (--controllers), a URL (http://…) is where this process sends its events, as Flux controllers do',
      d.eventsAddr,
    )
    .option('--storage-adv-addr <host[:port]>', 'host put in artifact URLs (default: 127.0.0.1 and the bound port)')
    .option('--storage-path <dir>', 'where artifacts are stored', d.storagePath)
    .option('--concurrent <n>', 'workers per controller', positiveInt, d.concurrent)
    .option(
      '--kube-api-qps <n>',
      'client-side limit of requests per second to the Kubernetes API server; as in Flux, not applied when the server has API Priority and Fairness',
      positiveNumber,
      d.kubeApiQps,
    )
    .option(
      '--kube-api-burst <n>',
      'requests allowed in a burst before --kube-api-qps applies (not applied when the server has API Priority and Fairness)',
      positiveInt,
      d.kubeApiBurst,
    )
    .option(
      '--requeue-dependency <duration>',
      'retry delay while a dependency or source is not ready',
      durationFlag,
      d.requeueDependencyMs,
    )
    .addOption(
      goBoolOption(
        '--enable-leader-election',
        'elect one active manager through a Lease (for more than one replica)',
        d.enableLeaderElection,
      ),
    )
    .option('--leader-election-namespace <ns>', 'namespace of the Lease', d.leaderElectionNamespace)
    .option('--leader-election-id <name>', 'name of the Lease', d.leaderElectionId)
    .option('--leader-election-lease-duration <duration>', 'how long a lease is valid', durationFlag, d.leaseDurationMs)
    .option(
      '--leader-election-renew-deadline <duration>',
      'how long the leader retries renewing before giving up',
      durationFlag,
      d.renewDeadlineMs,
    )
    .option(
      '--leader-election-retry-period <duration>',
      'how often to try to acquire or renew the lease',
      durationFlag,
      d.retryPeriodMs,
    )
    .addOption(
      goBoolOption(
        '--watch-all-namespaces',
        'watch Flux objects in every namespace; =false: only the runtime namespace ($RUNTIME_NAMESPACE, default flux-system)',
        d.watchAllNamespaces,
      ),
    )
    .option('--default-service-account <name>', 'service account impersonated when spec.serviceAccountName is empty')
    .option(
      '--default-kubeconfig-service-account <name>',
      'service account whose token spec.kubeConfig.configMapRef sends when its ConfigMap names none (needs --feature-gates=ObjectLevelWorkloadIdentity=true)',
    )
    .addOption(goBoolOption('--no-cross-namespace-refs', 'refuse references to objects in other namespaces', false))
    .addOption(
      goBoolOption(
        '--no-remote-bases',
        'refuse kustomize remote bases (git/http); allowed by default, as in Flux',
        false,
      ),
    )
    .addOption(
      goBoolOption(
        '--no-drift-watch',
        'do not watch applied objects for drift (it is then corrected on the interval only)',
        false,
      ),
    )
    .addOption(
      goBoolOption('--allow-remote-bases', 'allow kustomize remote bases (the default; kept for older scripts)', false),
    )
    .option('--kustomize-bin <file>', 'kustomize binary', d.kustomizeBin)
    .option('--helm-bin <file>', 'helm v4 CLI built with the helm-controller field manager (HelmReleases)', d.helmBin)
    .option('--identity <name>', 'identity in the leader Lease and in events (default: hostname-pid)', d.identity)
    .option('--log-level <level>', 'debug, info, warn or error', d.logLevel)
    .option(
      '--reporting-interval <duration>',
      'how often the FluxReport is refreshed',
      durationFlag,
      d.reportingIntervalMs,
    )
    .option(
      '--web-addr <addr>',
      'address of the dashboard; off loopback it asks for Kubernetes bearer tokens; "0" turns it off',
      d.webAddr,
    )
    .option(
      '--web-allow-remote-read-only',
      'on a non-loopback --web-addr, let anyone read the dashboard without a token (actions still need one)',
      false,
    )
    .option(
      '--web-auth <mode>',
      'dashboard authentication: auto (none on loopback, bearer tokens elsewhere) or token (actions need a token on loopback too)',
      d.webAuth,
    )
    .action(async (o: Record<string, unknown>) => {
      // Loaded on use: the engine's module graph is large and other commands do not need it.
      const { availableComponents, startEngine } = await import('../main.ts');
      let flux: ReturnType<typeof fluxFlagConfig>;
      try {
        flux = fluxFlagConfig(o, process.env, availableComponents());
      } catch (err) {
        process.stderr.write(`✗ ${(err as Error).message}\n`);
        process.exit(1);
      }
      const config: ManagerConfig = {
        ...d,
        metricsAddr: o['metricsAddr'] as string,
        healthAddr: o['healthAddr'] as string,
        storageAddr: o['storageAddr'] as string,
        receiverAddr: o['receiverAddr'] as string,
        eventsAddr: o['eventsAddr'] as string,
        storagePath: o['storagePath'] as string,
        concurrent: o['concurrent'] as number,
        kubeApiQps: o['kubeApiQps'] as number,
        kubeApiBurst: o['kubeApiBurst'] as number,
        requeueDependencyMs: o['requeueDependency'] as number,
        enableLeaderElection: o['enableLeaderElection'] as boolean,
        leaderElectionNamespace: o['leaderElectionNamespace'] as string,
        leaderElectionId: o['leaderElectionId'] as string,
        leaseDurationMs: o['leaderElectionLeaseDuration'] as number,
        renewDeadlineMs: o['leaderElectionRenewDeadline'] as number,
        retryPeriodMs: o['leaderElectionRetryPeriod'] as number,
        ...flux,
        kustomizeBin: o['kustomizeBin'] as string,
        helmBin: o['helmBin'] as string,
        logLevel: o['logLevel'] as string,
        identity: o['identity'] as string,
        reportingIntervalMs: o['reportingInterval'] as number,
        webAddr: o['webAddr'] as string,
        webAllowRemoteReadOnly: o['webAllowRemoteReadOnly'] as boolean,
        webAuth: o['webAuth'] as string,
      };
      if (o['kubeconfig']) config.kubeconfig = o['kubeconfig'] as string;
      if (o['storageAdvAddr']) config.storageAdvAddr = o['storageAdvAddr'] as string;
      if (o['defaultServiceAccount']) config.defaultServiceAccount = o['defaultServiceAccount'] as string;
      // One error boundary per reconcile exists; anything that still escapes is logged, not fatal.
      process.on('unhandledRejection', (err) => {
        process.stderr.write(
          `unhandled rejection (kept running): ${err instanceof Error ? err.message : String(err)}\n`,
        );
      });
      const engine = await startEngine(config, {
        onStartFailed: (err) => {
          process.stderr.write(`✗ ${err instanceof Error ? err.message : String(err)}\n`);
          process.exit(1);
        },
        onLeaderLost: () => {
          process.stderr.write('leader election lost: exiting so a fresh leader re-reads the cluster\n');
          process.exit(1);
        },
      });
      await waitForSignal();
      process.stderr.write('shutting down: cancelling in-flight reconciles…\n');
      // Reconciles see the abort at once and the manager waits for them at most 25 s; this backstop keeps
      // the whole stop inside Kubernetes' default 30 s termination grace whatever else hangs.
      setTimeout(() => {
        process.stderr.write('✗ shutdown took longer than 28s: exiting anyway\n');
        process.exit(1);
      }, 28_000).unref();
      await engine.stop();
      process.exit(0);
    });
  return withFluxFlags(cmd);
}

/** Resolves on the first SIGINT or SIGTERM. */
export function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}
