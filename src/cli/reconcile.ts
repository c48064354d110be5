import { Command } from 'commander';
import { Annotations } from '../api/constants.ts';
import type { KubeClient } from '../kube/client.ts';
import { connect, deadline, withClusterFlags, type ClusterFlags } from './cluster.ts';
import { CliError, runAction } from './errors.ts';
import { requestToken, type FluxResource } from './flux-object.ts';
import {
  humanKind,
  kindByName,
  kindSummary,
  parseKindArgs,
  refuseWrittenKind,
  suspensionOf,
  type FluxKind,
} from './kinds.ts';
import { processIo, Reporter, type CliIo, type CommandOptions } from './output.ts';
import { waitForReconcile } from './wait.ts';

type ReconcileFlags = ClusterFlags & { withSource: boolean };

interface Context {
  client: KubeClient;
  io: CliIo;
  log: Reporter;
  signal: AbortSignal;
}

/** The `driftless resume …` line that lifts a suspension, for error messages. */
export function resumeHint(kind: FluxKind, namespace: string, name: string): string {
  return `driftless resume ${humanKind(kind)} ${name} -n ${namespace}`;
}

/**
 * Requests a reconcile of one object as `flux reconcile` does: refuses suspended objects, merge-patches
 * `reconcile.fluxcd.io/requestedAt`, then waits until the controller echoes the token and settles
 * Ready. Resolves with the success line; throws CliError `<reason>: <message>` when Ready is False.
 */
export async function reconcileObject(
  ctx: Context,
  kind: FluxKind,
  namespace: string,
  name: string,
  withSource: boolean,
): Promise<void> {
  refuseWrittenKind(kind, 'reconcile');
  const ref = { apiVersion: kind.apiVersion, kind: kind.kind, namespace, name };
  const obj = await ctx.client.get<FluxResource>(ref);
  if (!obj)
    throw new CliError({
      reason: 'NotFound',
      message: `${kind.kind} object '${name}' not found in "${namespace}" namespace`,
    });
  if (suspensionOf(kind).isSuspended(obj)) {
    throw new CliError({
      reason: 'Suspended',
      message: `${kind.kind} ${namespace}/${name} is suspended, so it would not reconcile: resume it first with '${resumeHint(kind, namespace, name)}'`,
    });
  }
  if (withSource) {
    const source = kind.sourceRef?.(obj);
    if (!source)
      throw new CliError({
        reason: 'NoSource',
        message: `${kind.kind} ${namespace}/${name} has no source to reconcile`,
      });
    const sourceKind = kindByName(source.kind);
    if (!sourceKind) {
      throw new CliError({
        reason: 'UnsupportedKind',
        message: `cannot reconcile source of kind ${source.kind}: Driftless does not serve it`,
      });
    }
    await reconcileObject(ctx, sourceKind, source.namespace, source.name, false);
  }
  const token = requestToken(ctx.io.now());
  ctx.log.action(`annotating ${kind.kind} ${name} in ${namespace} namespace`);
  await ctx.client.patch(
    ref,
    { metadata: { annotations: { [Annotations.reconcileRequestedAt]: token } } },
    { type: 'merge' },
  );
  ctx.log.success(`${kind.kind} annotated`);
  const spinner = ctx.log.spin(`waiting for ${kind.kind} reconciliation`);
  let result;
  try {
    result = await waitForReconcile({ client: ctx.client, kind, namespace, name, token, signal: ctx.signal });
  } finally {
    spinner.stop();
  }
  if (!result.progress.ready) {
    throw new CliError({
      reason: result.progress.reason,
      message: `${result.progress.reason}: ${result.progress.message}`,
    });
  }
  ctx.log.success(kind.successMessage(result.obj));
}

/** `driftless reconcile <kind> <name> [--with-source]`: trigger a reconcile and wait for its outcome (exit 1 on failure). */
export function reconcileCommand(opts: CommandOptions = {}): Command {
  const cmd = new Command('reconcile')
    .description(`request a reconcile now and wait for the result; kinds: ${kindSummary()}`)
    .argument('<kind...>', 'kind words (e.g. `source git`, `kustomization`, `ks`) and the object name')
    .option('--with-source', 'reconcile the source first (Kustomization)', false);
  withClusterFlags(cmd);
  return cmd.action(async (args: string[], flags: ReconcileFlags) => {
    const io = (opts.io ?? processIo)();
    await runAction(io, async () => {
      const selection = parseKindArgs(args, { allowAll: false });
      const [name, ...extra] = selection.rest;
      const kind = selection.kinds[0];
      if (!kind || !name || extra.length) {
        throw new CliError({
          reason: 'InvalidArgument',
          message: 'expected exactly one object name, e.g. driftless reconcile ks my-app',
        });
      }
      const ctx: Context = { client: await connect(flags), io, log: new Reporter(io), signal: deadline(flags) };
      await reconcileObject(ctx, kind, flags.namespace, name, flags.withSource);
    });
  });
}
