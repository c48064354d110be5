import { Command } from 'commander';
import { controlPlaneCommand } from './controlplane.ts';
import { devCommand } from './dev.ts';
import { installCommand } from './install.ts';
import { runCommand } from './run.ts';

/** The `driftless` command line; each subcommand lives in its own file. */
export function buildProgram(): Command {
  const program = new Command('driftless')
    .description('A Flux-compatible GitOps engine for Kubernetes: all reconcilers in one process')
    .version('0.1.0')
    .showHelpAfterError();
  program.addCommand(runCommand());
  program.addCommand(installCommand());
  program.addCommand(devCommand());
  program.addCommand(controlPlaneCommand());
  return program;
}

await buildProgram().parseAsync(process.argv);
