import path from 'node:path';
import { Command } from 'commander';
import { packageRoot } from '../util/package-root.ts';
import { waitForSignal } from './run.ts';

const examplesDir = path.join(packageRoot(), 'examples');

/** `driftless dev`: the whole loop on this machine, until Ctrl-C. */
export function devCommand(): Command {
  return new Command('dev')
    .description(
      'run everything locally: control plane, Git server with a repository from examples/ (or --path), the engine',
    )
    .option('--path <dir>', 'directory whose files seed the Git repository', examplesDir)
    .option('--dir <dir>', 'state directory', '.driftless-dev')
    .option('--oci', 'deliver through a local OCI registry (driftless push artifact) instead of Git', false)
    .option('--images', 'also the image automation loop: a local registry, a policy, commits to the working clone')
    .action(async (o: { path: string; dir: string; oci: boolean; images?: boolean }) => {
      const log = (l: string): void => void process.stderr.write(`${l}\n`);
      const { startDevSession } = await import('../devenv/dev-session.ts');
      const session = await startDevSession({
        dir: path.resolve(o.dir),
        seedDir: path.resolve(o.path),
        log,
        oci: o.oci,
        images: o.images === true,
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
      if (session.images) {
        log(
          `  images:        ${session.images.image}:1.0.0 runs as Deployment flux-system/image-demo; tag a newer one:`,
        );
        log(`                 ${session.images.tagCommand('1.1.0').join(' ')}`);
        log('                 the automation commits it to main (`git pull` in the working clone) and it rolls out.');
      }
      log(`  dashboard:     ${session.engine.webUrl ?? 'not serving (see the warning above)'}`);
      log(`  metrics:       ${session.engine.manager.metricsUrl}/metrics`);
      log('  Ctrl-C stops everything.');
      await waitForSignal();
      log('stopping…');
      await session.stop();
    });
}
