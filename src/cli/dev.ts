import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { waitForSignal } from './run.ts';

const examplesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../examples');

/** `driftless dev`: the whole loop on this machine, until Ctrl-C. */
export function devCommand(): Command {
  return new Command('dev')
    .description(
      'run everything locally: control plane, Git server with a repository from examples/ (or --path), the engine',
    )
    .option('--path <dir>', 'directory whose files seed the Git repository', examplesDir)
    .option('--dir <dir>', 'state directory', '.driftless-dev')
    .option('--oci', 'deliver through a local OCI registry (driftless push artifact) instead of Git', false)
    .action(async (o: { path: string; dir: string; oci: boolean }) => {
      const log = (l: string): void => void process.stderr.write(`${l}\n`);
      const { startDevSession } = await import('../devenv/dev-session.ts');
      const session = await startDevSession({
        dir: path.resolve(o.dir),
        seedDir: path.resolve(o.path),
        log,
        oci: o.oci,
      });
      log('');
      log('✔ everything is Ready.');
      log(`  kubectl:       export KUBECONFIG=${session.kubeconfigPath}`);
      if (session.artifactUrl) {
        log(`  working dir:   ${session.workingClone}`);
        log(
          `  edit there, then \`driftless push artifact ${session.artifactUrl} --path ${session.workingClone}\`: the change is applied within seconds.`,
        );
      } else {
        log(`  working clone: ${session.workingClone}`);
        log('  edit, `git commit -am …` and `git push` there: the change is applied within seconds.');
      }
      log(`  dashboard:     ${session.engine.webUrl ?? 'not serving (see the warning above)'}`);
      log(`  metrics:       ${session.engine.manager.metricsUrl}/metrics`);
      log('  Ctrl-C stops everything.');
      await waitForSignal();
      log('stopping…');
      await session.stop();
    });
}
