// An SSH private key from a Secret, written where ssh or ssh-keygen can use it without prompting: a key
// with a passphrase (Flux's Secret key `password`) is decrypted once by the real ssh-keygen, which reads
// the passphrase through an askpass script from a 0600 file, so it never reaches argv or a terminal.
import { chmod, rm, writeFile } from 'node:fs/promises';
import { GitAuthError } from './errors.ts';
import { runProcess } from './run-git.ts';

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Writes `key` to `file` (mode 0600, final newline) in a private directory the caller removes; with a
 * non-empty `passphrase` the written key is decrypted in place. Throws `GitAuthError` naming a wrong
 * passphrase or an unreadable key, never the key or the passphrase. `what` names the Secret key in messages.
 */
export async function writeSshKey(opts: {
  file: string;
  key: string;
  passphrase?: string | undefined;
  what: string;
  signal?: AbortSignal | undefined;
}): Promise<void> {
  await writeFile(opts.file, opts.key.endsWith('\n') ? opts.key : `${opts.key}\n`, { mode: 0o600 });
  if (!opts.passphrase) return;
  const passFile = `${opts.file}.passphrase`;
  const askpass = `${opts.file}.askpass`;
  try {
    await writeFile(passFile, opts.passphrase, { mode: 0o600 });
    await writeFile(askpass, `#!/bin/sh\nexec cat ${quote(passFile)}\n`, { mode: 0o700 });
    await chmod(askpass, 0o700);
    const result = await runProcess({
      command: 'ssh-keygen',
      // -N '': the new passphrase is empty; the old one comes from askpass.
      args: ['-p', '-q', '-N', '', '-f', opts.file],
      cwd: '/',
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        LC_ALL: 'C',
        SSH_ASKPASS: askpass,
        SSH_ASKPASS_REQUIRE: 'force',
      },
      signal: opts.signal ?? new AbortController().signal,
    });
    if (result.ok) return;
    if (result.spawnError)
      throw new GitAuthError(`cannot run ssh-keygen to decrypt ${opts.what}: ${result.spawnError.message}`);
    if (/incorrect passphrase/i.test(result.stderr))
      throw new GitAuthError(
        `${opts.what} could not be decrypted: the passphrase in the Secret's 'password' is wrong; put the key's passphrase there`,
      );
    const detail = result.stderr.replaceAll(opts.file, '<key>').trim().split('\n').pop() ?? '';
    throw new GitAuthError(`${opts.what} is not a readable SSH private key${detail ? `: ${detail}` : ''}`);
  } finally {
    await rm(passFile, { force: true });
    await rm(askpass, { force: true });
  }
}
