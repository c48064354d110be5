import { Command } from 'commander';
import { stringify } from 'yaml';
import { ApiVersions, ControllerNames, Kinds, Labels } from '../api/constants.ts';
import { defaultManagerConfig } from '../config/manager-config.ts';
import type { Kustomization } from '../api/kustomization.ts';
import type { DriftEntry } from '../apply/apply.ts';
import { Action } from '../apply/changeset.ts';
import { ApplyError } from '../apply/errors.ts';
import { diffInventory, entryToRef, inventoryOf } from '../apply/inventory.ts';
import { describeRef, type ObjectRef } from '../kube/types.ts';
import { checkLocalBuildArgs, withLocalBuildFlags, type LocalBuildFlags } from './build.ts';
import { connect, deadline } from './cluster.ts';
import { CliError, describeError, ExitCodes, runAction } from './errors.ts';
import type { DiffArtifactFlags } from './artifact.ts';
import { findKind } from './kinds.ts';
import { paint, processIo, Reporter, type CommandOptions } from './output.ts';

const show = (v: unknown): string =>
  typeof v === 'string'
    ? v
    : v !== null && typeof v === 'object'
      ? stringify(v, { lineWidth: 0, collectionStyle: 'flow' }).trim()
      : JSON.stringify(v);

/**
 * The diff as flux prints it: `► Kind/ns/name created|drifted|skipped` per object (drifted ones followed
 * by each changed field as `- before` / `+ after`, Secret values already masked), then `► … deleted` for
 * objects a prune would remove. `changed` is true when anything would be created, changed or deleted.
 */
export function formatDiff(
  entries: readonly DriftEntry[],
  stale: readonly ObjectRef[],
  color = false,
): { text: string; changed: boolean } {
  const lines: string[] = [];
  let changed = false;
  for (const e of entries) {
    if (e.action === Action.Created) {
      lines.push(paint(`► ${e.subject} created`, 'green', color));
      changed = true;
    } else if (e.action === Action.Skipped) {
      lines.push(paint(`► ${e.subject} skipped`, 'yellow', color));
    } else if (e.action === Action.Configured) {
      lines.push(`► ${e.subject} drifted`);
      for (const c of e.changes) {
        lines.push(`  ${c.path}`);
        if ('before' in c) lines.push(paint(`    - ${show(c.before)}`, 'red', color));
        if ('after' in c) lines.push(paint(`    + ${show(c.after)}`, 'green', color));
      }
      changed = true;
    }
  }
  for (const ref of stale) {
    lines.push(paint(`► ${describeRef(ref)} deleted`, 'red', color));
    changed = true;
  }
  return { text: lines.length ? `${lines.join('\n')}\n` : '', changed };
}

/** Inventory entries of the live Kustomization that the new build no longer has (only when it prunes). */
export function pruneCandidates(
  live: Kustomization | undefined,
  spec: Kustomization,
  built: Parameters<typeof inventoryOf>[0],
): ObjectRef[] {
  if (!spec.spec.prune) return [];
  const previous = live?.status?.inventory?.entries ?? [];
  return diffInventory(previous, inventoryOf(built)).map(entryToRef);
}

/** The helm-controller build the manager runs, as `driftless run --helm-bin` defaults it. */
const defaultHelmBin = (): string => defaultManagerConfig().helmBin;

/**
 * `driftless diff helmrelease <name>`: what an upgrade of the HelmRelease in the cluster would change,
 * printed and exited as the Kustomization diff (0 none, 1 changes, 2 error).
 */
async function diffHelmRelease(
  name: string,
  flags: LocalBuildFlags & { helmBin: string },
  io: ReturnType<typeof processIo>,
  log: Reporter,
): Promise<number> {
  const { helmReleaseDiff } = await import('./diff-helmrelease.ts');
  const client = await connect(flags);
  const spinner = log.spin('running dry-run upgrade');
  let result;
  try {
    result = await helmReleaseDiff({
      client,
      ...(flags.kubeconfig ? { kubeconfig: flags.kubeconfig } : {}),
      helmBin: flags.helmBin,
      namespace: flags.namespace,
      name,
      signal: deadline(flags),
    });
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError({
      reason: 'DiffFailed',
      message: describeError(err),
      exitCode: ExitCodes.diffError,
      cause: err,
    });
  } finally {
    spinner.stop();
  }
  const { text, changed } = formatDiff(result.entries, result.stale, io.color);
  io.out.write(text);
  return changed ? ExitCodes.diffFound : ExitCodes.ok;
}

type DiffFlags = LocalBuildFlags & { helmBin: string } & DiffArtifactFlags;

const collect = (value: string, previous: string[]): string[] => [...previous, ...value.split(',').filter((v) => v)];

/**
 * `driftless diff kustomization <name> --path <dir>`: builds like `build`, dry-runs every object with
 * server-side apply (the manager's field manager and owner labels) and prints what would change, plus
 * the prune preview. `diff helmrelease` and `diff artifact <oci-url> --path` (src/cli/artifact.ts) too.
 * Exit status as flux: 0 no differences, 1 differences, 2 (or more) an error.
 */

export function diffCommand(opts: CommandOptions = {}): Command {
  const cmd = withLocalBuildFlags(
    new Command('diff').description(
      'show what applying local files (kustomization --path) or upgrading a HelmRelease (helmrelease, hr) would change in the cluster, or whether an OCI artifact holds the local files (artifact oci://… --path) (exit 0 none, 1 changes, 2 error)',
    ),
  );
  cmd
    .option('--helm-bin <file>', 'helm v4 build with the helm-controller field manager (helmrelease)', defaultHelmBin())
    .option('--creds <user:password>', 'registry credentials (artifact)')
    .option('--insecure-registry', 'allow plain HTTP when HTTPS fails (artifact)', false)
    .option('--ignore-paths <pattern>', '.gitignore-style patterns left out of --path (artifact)', collect, []);
  return cmd.action(async (kindWord: string, name: string, flags: DiffFlags) => {
    const io = (opts.io ?? processIo)();
    const log = new Reporter(io);
    await runAction(
      io,
      async () => {
        if (findKind(kindWord)?.kind === Kinds.HelmRelease) return await diffHelmRelease(name, flags, io, log);
        if (kindWord === 'artifact') return await (await import('./artifact.ts')).diffArtifact(name, flags, log);
        const dir = checkLocalBuildArgs(kindWord, flags, ExitCodes.diffError);
        // The build pipeline and the apply library are loaded only when a diff runs, not for `--help`.
        const [{ buildLocal, loadKustomization }, { ResourceManager }] = await Promise.all([
          import('./local-build.ts'),
          import('../apply/apply.ts'),
        ]);
        const client = await connect(flags);
        const signal = deadline(flags);
        try {
          const ks = await loadKustomization({
            client,
            namespace: flags.namespace,
            name,
            file: flags.kustomizationFile,
          });
          // With a local file the inventory (what a prune would compare against) still comes from the cluster.
          const live = flags.kustomizationFile
            ? await client.get<Kustomization>({
                apiVersion: ApiVersions.kustomize,
                kind: Kinds.Kustomization,
                namespace: ks.metadata.namespace ?? flags.namespace,
                name,
              })
            : ks;
          const objects = await buildLocal({
            ks,
            client,
            dir,
            root: flags.root,
            kustomizeBin: flags.kustomizeBin,
            allowRemoteBases: flags.allowRemoteBases,
            timeoutMs: flags.timeout,
            signal,
            warn: (m) => log.warning(m),
          });
          const manager = new ResourceManager({
            client,
            fieldManager: ControllerNames.kustomize,
            ownerLabels: {
              [Labels.kustomizeName]: ks.metadata.name,
              [Labels.kustomizeNamespace]: ks.metadata.namespace ?? '',
            },
          });
          const spinner = log.spin('running dry-run');
          let entries: DriftEntry[];
          try {
            entries = await manager.diff(objects, { signal });
          } finally {
            spinner.stop();
          }
          const { text, changed } = formatDiff(entries, pruneCandidates(live, ks, objects), io.color);
          io.out.write(text);
          return changed ? ExitCodes.diffFound : ExitCodes.ok;
        } catch (err) {
          if (err instanceof CliError && err.exitCode >= ExitCodes.diffError) throw err;
          const reason =
            err instanceof ApplyError ? 'DryRunFailed' : err instanceof CliError ? err.reason : 'DiffFailed';
          throw new CliError({ reason, message: describeError(err), exitCode: ExitCodes.diffError, cause: err });
        }
      },
      ExitCodes.diffError,
    );
  });
}
