// The `driftless` command line; each subcommand lives in its own file and is loaded when used (commands.ts).
import { buildProgram, commandsFor } from './commands.ts';

try {
  const program = await buildProgram(commandsFor(process.argv.slice(2)));
  await program.parseAsync(process.argv);
} catch (err) {
  // Errors already name the object, the field and the fix; a stack trace would bury that line.
  process.stderr.write(`✗ ${err instanceof Error ? err.message : String(err)}\n`);
  if (process.env['DRIFTLESS_DEBUG'] && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  process.exitCode = 1;
}
