import { Command } from 'commander';
import { buildCommand } from './build.ts';
import { controlPlaneCommand } from './controlplane.ts';
import { devCommand } from './dev.ts';
import { diffCommand } from './diff.ts';
import { eventsCommand } from './events.ts';
import { getCommand } from './get.ts';
import { installCommand } from './install.ts';
import { reconcileCommand } from './reconcile.ts';
import { reportCommand } from './report.ts';
import { runCommand } from './run.ts';
import { statsCommand } from './stats.ts';
import { resumeCommand, suspendCommand } from './suspend.ts';
import { treeCommand } from './tree.ts';

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
  program.addCommand(getCommand());
  program.addCommand(reconcileCommand());
  program.addCommand(suspendCommand());
  program.addCommand(resumeCommand());
  program.addCommand(eventsCommand());
  program.addCommand(treeCommand());
  program.addCommand(statsCommand());
  program.addCommand(reportCommand());
  program.addCommand(buildCommand());
  program.addCommand(diffCommand());
  return program;
}

try {
  await buildProgram().parseAsync(process.argv);
} catch (err) {
  // Errors already name the object, the field and the fix; a stack trace would bury that line.
  process.stderr.write(`✗ ${err instanceof Error ? err.message : String(err)}\n`);
  if (process.env['DRIFTLESS_DEBUG'] && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  process.exitCode = 1;
}
