// Flags every cluster-reading command shares (flux's globals) and the client they open.
import { InvalidArgumentError, Option, type Command } from 'commander';
import { parseDuration } from '../api/duration.ts';
import type { KubeClient } from '../kube/client.ts';

/** The parsed shared flags. */
export interface ClusterFlags {
  kubeconfig?: string;
  /** Namespace of the objects (default `flux-system`, like flux). */
  namespace: string;
  /** Every namespace (`-A`), when the command offers it. */
  allNamespaces?: boolean;
  /** Time limit of the whole command in ms (default 5m). */
  timeout: number;
}

/**
 * Parses a Go duration flag (`30s`, `1m30s`, `1.5h`, `500ms`) into milliseconds with the one parser the
 * API uses; anything else is an InvalidArgumentError, which commander reports naming the flag.
 */
export function durationFlag(value: string): number {
  try {
    return parseDuration(value);
  } catch {
    throw new InvalidArgumentError(`expected a duration such as 30s, 1m30s or 1h, got "${value}"`);
  }
}

/**
 * Adds `--kubeconfig`, `-n/--namespace` (default flux-system), `--timeout` (default 5m) and, with
 * `allNamespaces`, `-A/--all-namespaces`, as the flux CLI has them.
 */
export function withClusterFlags(cmd: Command, opts: { allNamespaces?: boolean } = {}): Command {
  cmd
    .option('--kubeconfig <file>', 'kubeconfig to use (default: $KUBECONFIG or ~/.kube/config)')
    .option('-n, --namespace <ns>', 'namespace of the objects', 'flux-system')
    .addOption(
      new Option('--timeout <duration>', 'time limit of the command').argParser(durationFlag).default(300_000, '5m'),
    );
  if (opts.allNamespaces) cmd.option('-A, --all-namespaces', 'all namespaces', false);
  return cmd;
}

/**
 * A client for the kubeconfig in the flags. Rejects when the kubeconfig cannot be read. The client and
 * the kubeconfig loader are imported here, not at the top, so `--help`, `--version` and the commands
 * that never reach a cluster do not pay for loading them.
 */
export async function connect(flags: Pick<ClusterFlags, 'kubeconfig'>): Promise<KubeClient> {
  const [{ KubeClient }, { loadKubeConfig }] = await Promise.all([
    import('../kube/client.ts'),
    import('../kube/config.ts'),
  ]);
  return new KubeClient({ kubeConfig: loadKubeConfig(flags.kubeconfig) });
}

/** An AbortSignal that fires after the command's `--timeout`. */
export function deadline(flags: Pick<ClusterFlags, 'timeout'>): AbortSignal {
  return AbortSignal.timeout(flags.timeout);
}
