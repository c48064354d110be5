import { Command } from 'commander';
import { defaultManagerConfig } from '../config/manager-config.ts';
import { connect, deadline, withClusterFlags, type ClusterFlags } from './cluster.ts';
import { CliError, runAction } from './errors.ts';
import { findKind } from './kinds.ts';
import { processIo, Reporter, type CommandOptions } from './output.ts';

/** Flags shared by `build kustomization` and `diff kustomization`. */
export type LocalBuildFlags = ClusterFlags & {
  path?: string;
  root?: string;
  kustomizationFile?: string;
  kustomizeBin: string;
  allowRemoteBases: boolean;
};

/** Adds the flags of a local build (`--path`, `--root`, `--kustomization-file`, `--kustomize-bin`, `--allow-remote-bases`). */
export function withLocalBuildFlags(cmd: Command): Command {
  return withClusterFlags(
    cmd
      .argument('<kind>', 'kustomization (or ks)')
      .argument('<name>', 'name of the Kustomization')
      .option('--path <dir>', 'local directory that matches the Kustomization spec.path')
      .option(
        '--root <dir>',
        'top of the source (what the artifact would hold); default: the Git checkout holding --path, else --path',
      )
      .option('--kustomization-file <file>', 'read the Kustomization from this YAML file instead of the cluster')
      .option('--kustomize-bin <file>', 'kustomize binary', defaultManagerConfig().kustomizeBin)
      .option(
        '--allow-remote-bases',
        'allow kustomize remote bases (a local build refuses them by default; the manager allows them unless --no-remote-bases)',
        false,
      ),
  );
}

/** Checks the `<kind>` argument and `--path`; throws CliError (with `exitCode`) otherwise. */
export function checkLocalBuildArgs(kindWord: string, flags: LocalBuildFlags, exitCode?: number): string {
  if (findKind(kindWord)?.kind !== 'Kustomization') {
    throw new CliError({
      reason: 'UnknownKind',
      message: `only kustomization (ks) can be built, got "${kindWord}"`,
      ...(exitCode ? { exitCode } : {}),
    });
  }
  if (!flags.path)
    throw new CliError({
      reason: 'InvalidPath',
      message: '--path is required: the local directory to build',
      ...(exitCode ? { exitCode } : {}),
    });
  return flags.path;
}

/**
 * `driftless build kustomization <name> --path <dir>`: builds local files with the Kustomization's
 * overlays and post-build substitution (substituteFrom read from the cluster), exactly as the manager
 * would, and prints the multi-document YAML. Secrets are printed as built (like `flux build`); only
 * SOPS-encrypted values, which the CLI cannot decrypt, are shown as `**SOPS**`.
 */
export function buildCommand(opts: CommandOptions = {}): Command {
  const cmd = withLocalBuildFlags(
    new Command('build').description('build a Kustomization from local files as the manager would, and print the YAML'),
  );
  return cmd.action(async (kindWord: string, name: string, flags: LocalBuildFlags) => {
    const io = (opts.io ?? processIo)();
    await runAction(io, async () => {
      const dir = checkLocalBuildArgs(kindWord, flags);
      // The build pipeline (kustomize, schemas, YAML) is loaded only when a build runs, not for `--help`.
      const [{ buildLocal, loadKustomization, maskSopsSecrets }, { serializeManifests }] = await Promise.all([
        import('./local-build.ts'),
        import('../render/manifests.ts'),
      ]);
      const client = await connect(flags);
      const ks = await loadKustomization({ client, namespace: flags.namespace, name, file: flags.kustomizationFile });
      const objects = await buildLocal({
        ks,
        client,
        dir,
        root: flags.root,
        kustomizeBin: flags.kustomizeBin,
        allowRemoteBases: flags.allowRemoteBases,
        timeoutMs: flags.timeout,
        signal: deadline(flags),
        warn: (m) => new Reporter(io).warning(m),
      });
      io.out.write(serializeManifests(maskSopsSecrets(objects)));
    });
  });
}
