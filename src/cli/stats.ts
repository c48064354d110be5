import { Command } from 'commander';
import { Reasons } from '../api/constants.ts';
import { connect, withClusterFlags, type ClusterFlags } from './cluster.ts';
import { runAction } from './errors.ts';
import { conditionOf, isSuspended, type FluxResource } from './flux-object.ts';
import { listKinds } from './get.ts';
import { fluxKinds } from './kinds.ts';
import { formatSize, processIo, renderTable, Reporter, type CommandOptions } from './output.ts';
import { readFluxReport, type ReportedReconciler } from './report.ts';

/**
 * Per-kind counts with the Flux Operator's rules: suspended = `spec.suspend`; failing = not suspended,
 * Ready=False and reason other than DependencyNotReady; running = total − suspended (so failing
 * objects also count as running); totalSize = sum of `status.artifact.size`, omitted when 0.
 */
export function computeReconcilerStats(
  kind: { apiVersion: string; kind: string },
  items: readonly FluxResource[],
): ReportedReconciler {
  let suspended = 0;
  let failing = 0;
  let bytes = 0;
  for (const obj of items) {
    if (isSuspended(obj)) suspended++;
    else {
      const ready = conditionOf(obj, 'Ready');
      if (ready?.status === 'False' && ready.reason !== Reasons.DependencyNotReady) failing++;
    }
    const size = (obj.status?.['artifact'] as { size?: unknown } | undefined)?.size;
    if (typeof size === 'number') bytes += size;
  }
  const stats: ReportedReconciler['stats'] = { running: items.length - suspended, failing, suspended };
  if (bytes > 0) stats.totalSize = formatSize(bytes);
  return { apiVersion: kind.apiVersion, kind: kind.kind, stats };
}

/** Table header of `stats` (flux's columns). */
export const statsHeader = ['Reconcilers', 'Running', 'Failing', 'Suspended', 'Storage'] as const;

/** One `stats` row per reconciler; STORAGE is `-` when nothing is stored. */
export function statsRows(reconcilers: readonly ReportedReconciler[]): string[][] {
  return reconcilers.map((r) => [
    r.kind,
    String(r.stats.running),
    String(r.stats.failing),
    String(r.stats.suspended),
    r.stats.totalSize || '-',
  ]);
}

type StatsFlags = ClusterFlags & { reportNamespace: string };

/**
 * `driftless stats [-A | -n <ns>]`: per-kind RECONCILERS, RUNNING, FAILING, SUSPENDED, STORAGE. Without
 * an explicit `-n` (or with `-A`) the cluster-wide numbers come from the FluxReport, or are computed from
 * the objects when there is no report; with `-n` they are computed for that namespace.
 */
export function statsCommand(opts: CommandOptions = {}): Command {
  const cmd = new Command('stats')
    .description(
      'print per-kind counts of Flux objects: running, failing, suspended, storage (from the FluxReport when present)',
    )
    .option('--report-namespace <ns>', 'namespace of the FluxReport', 'flux-system');
  withClusterFlags(cmd, { allNamespaces: true });
  return cmd.action(async (flags: StatsFlags, self: Command) => {
    const io = (opts.io ?? processIo)();
    await runAction(io, async () => {
      const client = await connect(flags);
      // A report holds cluster-wide counts, so it only answers the cluster-wide question.
      const scoped = !flags.allNamespaces && self.getOptionValueSource('namespace') === 'cli';
      let reconcilers: ReportedReconciler[] | undefined;
      if (!scoped) {
        const found = await readFluxReport(client, flags.reportNamespace);
        reconcilers = found.report?.spec?.reconcilers;
        if (!reconcilers)
          new Reporter(io).action(
            `no FluxReport ${flags.reportNamespace}/flux: computed from the objects in all namespaces`,
          );
      }
      if (!reconcilers) {
        // As the FluxReport: one row per reconciled kind, so not the ExternalArtifacts a generator writes.
        const reconciled = fluxKinds.filter((k) => !k.writtenBy);
        const results = await listKinds(client, reconciled, {
          ...(scoped ? { namespace: flags.namespace } : {}),
          skipUnserved: true,
        });
        reconcilers = results.map((r) => computeReconcilerStats(r.kind, r.items));
      }
      io.out.write(renderTable([...statsHeader], statsRows(reconcilers)));
    });
  });
}
