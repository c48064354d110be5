import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildProgram, commandLoaders, commandsFor } from './commands.ts';

const all = Object.keys(commandLoaders);

void test('commandsFor loads only the subcommand the command line names', () => {
  assert.deepEqual(commandsFor(['get', 'kustomizations', '-n', 'apps']), ['get']);
  assert.deepEqual(commandsFor(['get', '--help']), ['get']);
  assert.deepEqual(commandsFor(['resume', 'ks', 'app']), ['resume']);
  assert.deepEqual(commandsFor(['help', 'tree']), ['tree']);
  // A value that happens to be a command name is not the subcommand: the first word is.
  assert.deepEqual(commandsFor(['reconcile', 'ks', 'run']), ['reconcile']);
});

void test('commandsFor loads none for --version and all when help or a suggestion needs them', () => {
  assert.deepEqual(commandsFor(['--version']), []);
  assert.deepEqual(commandsFor(['-V']), []);
  assert.deepEqual(commandsFor([]), all);
  assert.deepEqual(commandsFor(['--help']), all);
  assert.deepEqual(commandsFor(['help']), all);
  assert.deepEqual(commandsFor(['gett']), all);
  assert.deepEqual(commandsFor(['--version', 'get']), ['get']);
});

void test('every loader builds the command it is registered under', async () => {
  for (const [name, load] of Object.entries(commandLoaders)) assert.equal((await load()).name(), name);
});

void test('the program has the named subcommands only, and all of them by default', async () => {
  assert.deepEqual(
    (await buildProgram(['get'])).commands.map((c) => c.name()),
    ['get'],
  );
  assert.deepEqual(
    (await buildProgram()).commands.map((c) => c.name()),
    all,
  );
  assert.equal((await buildProgram([])).version(), '0.1.0');
});
