import { Command } from 'commander';
import type { KubeClient } from '../kube/client.ts';
import { connect, deadline, withClusterFlags, type ClusterFlags } from './cluster.ts';
import { CliError, describeError, runAction } from './errors.ts';
import type { FluxResource } from './flux-object.ts';
import { humanKind, kindSummary, parseKindArgs, refuseWrittenKind, suspensionOf, type FluxKind } from './kinds.ts';
import { processIo, Reporter, type CommandOptions } from './output.ts';
import { waitForReconcile } from './wait.ts';

type SuspendFlags = ClusterFlags & { all: boolean; wait?: boolean };

/** The objects a suspend/resume command line names: every one of the kind in the namespace with `--all`. */
async function targets(
  client: KubeClient,
  kind: FluxKind,
  namespace: string,
  names: string[],
  all: boolean,
  log: Reporter,
): Promise<{ found: FluxResource[]; missing: number }> {
  if (all) {
    const list = await client.list<FluxResource>(kind.apiVersion, kind.kind, { namespace });
    if (list.items.length === 0)
      throw new CliError({ reason: 'NotFound', message: `no ${kind.kind} objects found in ${namespace} namespace` });
    return { found: list.items, missing: 0 };
  }
  const found: FluxResource[] = [];
  let missing = 0;
  for (const name of [...new Set(names)]) {
    const obj = await client.get<FluxResource>({ apiVersion: kind.apiVersion, kind: kind.kind, namespace, name });
    if (obj) found.push(obj);
    else {
      log.failure(`${kind.kind} object '${name}' not found in ${namespace} namespace`);
      missing++;
    }
  }
  return { found, missing };
}

function selection(args: string[], all: boolean, verb: string): { kind: FluxKind; names: string[] } {
  const s = parseKindArgs(args, { allowAll: false });
  const kind = s.kinds[0];
  if (!kind) throw new CliError({ reason: 'InvalidArgument', message: 'a kind is required' });
  refuseWrittenKind(kind, verb);
  if (all && s.rest.length)
    throw new CliError({ reason: 'InvalidArgument', message: 'give object names or --all, not both' });
  if (!all && !s.rest.length) {
    throw new CliError({
      reason: 'InvalidArgument',
      message: `${humanKind(kind)} name is required (or --all to ${verb} every one in the namespace)`,
    });
  }
  return { kind, names: s.rest };
}

/**
 * `driftless suspend <kind> <name…>|--all`: sets `spec.suspend: true` with a merge patch, as `flux suspend`
 * (an ArtifactGenerator: its `source.extensions.fluxcd.io/reconcile: disabled` annotation).
 */
export function suspendCommand(opts: CommandOptions = {}): Command {
  const cmd = new Command('suspend')
    .description(`stop reconciling objects until resumed; kinds: ${kindSummary()}`)
    .argument('<kind...>', 'kind words and one or more object names')
    .option('--all', 'suspend every object of the kind in the namespace', false);
  withClusterFlags(cmd);
  return cmd.action(async (args: string[], flags: SuspendFlags) => {
    const io = (opts.io ?? processIo)();
    const log = new Reporter(io);
    await runAction(io, async () => {
      const { kind, names } = selection(args, flags.all, 'suspend');
      const client = await connect(flags);
      const { found, missing } = await targets(client, kind, flags.namespace, names, flags.all, log);
      for (const obj of found) {
        log.action(`suspending ${humanKind(kind)} ${obj.metadata.name} in ${flags.namespace} namespace`);
        await client.patch(
          { apiVersion: kind.apiVersion, kind: kind.kind, namespace: flags.namespace, name: obj.metadata.name },
          suspensionOf(kind).suspendPatch,
        );
        log.success(`${humanKind(kind)} suspended`);
      }
      return missing ? 1 : 0;
    });
  });
}

/**
 * `driftless resume <kind> <name…>|--all [--wait]`: clears `spec.suspend` (merge patch; an ArtifactGenerator's
 * reconcile annotation becomes `enabled`) and, for a single
 * object unless `--no-wait` (or with `--wait`), waits for the reconcile that follows, as `flux resume`.
 */
export function resumeCommand(opts: CommandOptions = {}): Command {
  const cmd = new Command('resume')
    .description(`resume reconciling suspended objects; kinds: ${kindSummary()}`)
    .argument('<kind...>', 'kind words and one or more object names')
    .option('--all', 'resume every object of the kind in the namespace', false)
    .option('--wait', 'wait for each object to reconcile (default when one object is named)')
    .option('--no-wait', 'do not wait for the reconcile');
  withClusterFlags(cmd);
  return cmd.action(async (args: string[], flags: SuspendFlags) => {
    const io = (opts.io ?? processIo)();
    const log = new Reporter(io);
    await runAction(io, async () => {
      const { kind, names } = selection(args, flags.all, 'resume');
      const client = await connect(flags);
      const signal = deadline(flags);
      const { found, missing } = await targets(client, kind, flags.namespace, names, flags.all, log);
      const wait = flags.wait ?? (!flags.all && found.length === 1);
      let failed = missing;
      for (const obj of found) {
        const name = obj.metadata.name;
        log.action(`resuming ${humanKind(kind)} ${name} in ${flags.namespace} namespace`);
        await client.patch(
          { apiVersion: kind.apiVersion, kind: kind.kind, namespace: flags.namespace, name },
          suspensionOf(kind).resumePatch,
        );
        log.success(`${humanKind(kind)} resumed`);
        if (!wait) continue;
        const spinner = log.spin(`waiting for ${kind.kind} reconciliation`);
        try {
          const result = await waitForReconcile({ client, kind, namespace: flags.namespace, name, signal });
          spinner.stop();
          if (result.progress.ready) {
            log.success(`${kind.kind} ${name} reconciliation completed`);
            log.success(kind.successMessage(result.obj));
          } else {
            log.failure(
              `${kind.kind} ${name} reconciliation failed: ${result.progress.reason}: ${result.progress.message}`,
            );
            failed++;
          }
        } catch (err) {
          spinner.stop();
          log.failure(describeError(err));
          failed++;
        }
      }
      return failed ? 1 : 0;
    });
  });
}
