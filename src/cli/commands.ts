// The subcommands of `driftless`, each imported only when the command line needs it: loading every
// command's module graph (YAML, the control-plane tooling, the build pipeline…) would cost each start
// its time, while a start runs one command.
import { Command } from 'commander';

type CommandLoader = () => Promise<Command>;

/** Every subcommand in the order help lists them, keyed by its name. */
export const commandLoaders: Readonly<Record<string, CommandLoader>> = {
  run: async () => (await import('./run.ts')).runCommand(),
  install: async () => (await import('./install.ts')).installCommand(),
  dev: async () => (await import('./dev.ts')).devCommand(),
  controlplane: async () => (await import('./controlplane.ts')).controlPlaneCommand(),
  get: async () => (await import('./get.ts')).getCommand(),
  reconcile: async () => (await import('./reconcile.ts')).reconcileCommand(),
  suspend: async () => (await import('./suspend.ts')).suspendCommand(),
  resume: async () => (await import('./suspend.ts')).resumeCommand(),
  events: async () => (await import('./events.ts')).eventsCommand(),
  tree: async () => (await import('./tree.ts')).treeCommand(),
  stats: async () => (await import('./stats.ts')).statsCommand(),
  report: async () => (await import('./report.ts')).reportCommand(),
  build: async () => (await import('./build.ts')).buildCommand(),
  diff: async () => (await import('./diff.ts')).diffCommand(),
  push: async () => (await import('./push.ts')).pushCommand(),
  pull: async () => (await import('./push.ts')).pullCommand(),
  tag: async () => (await import('./artifact.ts')).tagCommand(),
  list: async () => (await import('./artifact.ts')).listCommand(),
};

/**
 * The subcommands a command line (the arguments after the program name) needs: the one it names, also
 * as `help <name>`; none for a bare `--version`; every one otherwise (help lists them all, and an
 * unknown name is answered with the closest known one). The program itself takes no option with a
 * value, so its first word that is not an option is the subcommand.
 */
export function commandsFor(args: readonly string[]): string[] {
  const words = args.filter((a) => !a.startsWith('-'));
  const [first, second] = words;
  const known = (w: string | undefined): w is string => w !== undefined && Object.hasOwn(commandLoaders, w);
  if (known(first)) return [first];
  if (first === 'help' && known(second)) return [second];
  if (first === undefined && args.length > 0 && args.every((a) => a === '-V' || a === '--version')) return [];
  return Object.keys(commandLoaders);
}

/** The `driftless` program with the given subcommands (default: all of them). */
export async function buildProgram(names: readonly string[] = Object.keys(commandLoaders)): Promise<Command> {
  const program = new Command('driftless')
    .description('A Flux-compatible GitOps engine for Kubernetes: all reconcilers in one process')
    .version('0.1.0')
    .showHelpAfterError();
  const commands = await Promise.all(names.map((n) => commandLoaders[n]?.()));
  for (const c of commands) if (c) program.addCommand(c);
  return program;
}
