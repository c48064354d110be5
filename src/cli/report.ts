import { Command, Option } from 'commander';
import { stringify } from 'yaml';
import type { KubeClient } from '../kube/client.ts';
import { KubeApiError } from '../kube/errors.ts';
import type { KubeObject } from '../kube/types.ts';
import { connect, withClusterFlags, type ClusterFlags } from './cluster.ts';
import { CliError, runAction } from './errors.ts';
import { forDisplay } from './get.ts';
import { processIo, type CommandOptions } from './output.ts';

/** Where the manager keeps its report (Flux Operator's FluxReport: one object named `flux`). */
export const FluxReportRef = { apiVersion: 'fluxcd.controlplane.io/v1', kind: 'FluxReport', name: 'flux' } as const;

/** One `spec.reconcilers[]` entry of a FluxReport. */
export interface ReportedReconciler {
  apiVersion: string;
  kind: string;
  stats: { running: number; failing: number; suspended: number; totalSize?: string };
}

/** A FluxReport as the CLI reads it (only `spec.reconcilers` is interpreted; the rest is printed as is). */
export type FluxReport = KubeObject & { spec?: { reconcilers?: ReportedReconciler[]; [key: string]: unknown } };

/** The report lookup: the object, or why there is none (`missing` object or kind `unserved`). */
export type ReportLookup = { report: FluxReport } | { report: undefined; why: 'missing' | 'unserved' };

/** Reads FluxReport `<namespace>/flux`; a missing object or an uninstalled kind is an answer, not an error. */
export async function readFluxReport(client: KubeClient, namespace: string): Promise<ReportLookup> {
  try {
    const report = await client.get<FluxReport>({ ...FluxReportRef, namespace });
    return report ? { report } : { report: undefined, why: 'missing' };
  } catch (err) {
    if (err instanceof KubeApiError && err.reason === 'NoKindMatch') return { report: undefined, why: 'unserved' };
    throw err;
  }
}

/** What to tell a user who asked for a report that does not exist. */
export function missingReportMessage(namespace: string, why: 'missing' | 'unserved'): string {
  if (why === 'unserved') {
    return `the API server does not serve ${FluxReportRef.kind} (${FluxReportRef.apiVersion}): install the CRDs with 'driftless install' (or --crds-only), then run the manager`;
  }
  return `no ${FluxReportRef.kind} '${FluxReportRef.name}' in namespace ${namespace}: the manager ('driftless run', or the in-cluster Deployment) creates it and refreshes it every 5 minutes; request a refresh with 'kubectl -n ${namespace} annotate fluxreport/flux reconcile.fluxcd.io/requestedAt="$(date +%s)" --overwrite'`;
}

type ReportFlags = Omit<ClusterFlags, 'allNamespaces'> & { output: 'yaml' | 'json' };

/** `driftless report [-o yaml|json]`: prints the FluxReport; exits 1 with a how-to when there is none. */
export function reportCommand(opts: CommandOptions = {}): Command {
  const cmd = new Command('report')
    .description('print the FluxReport: distribution, cluster, components, per-kind stats and sync status')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['yaml', 'json']).default('yaml'));
  withClusterFlags(cmd);
  return cmd.action(async (flags: ReportFlags) => {
    const io = (opts.io ?? processIo)();
    await runAction(io, async () => {
      const found = await readFluxReport(await connect(flags), flags.namespace);
      if (!found.report)
        throw new CliError({ reason: 'NotFound', message: missingReportMessage(flags.namespace, found.why) });
      const shown = forDisplay(found.report);
      io.out.write(
        flags.output === 'json' ? `${JSON.stringify(shown, null, 2)}\n` : stringify(shown, { lineWidth: 0 }),
      );
    });
  });
}
