// Commit signing with the real tools. OpenPGP: the armored key (Flux's `git.asc`, optional `passphrase`)
// is imported into a private GNUPGHOME for one run; git runs gpg through a wrapper that feeds the
// passphrase. SSH: the key (Flux's `identity`, optional `password`) is written decrypted into a private
// dir and git signs with `ssh-keygen -Y sign` (gpg.format=ssh).
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GitOperationError } from './errors.ts';
import { runProcess } from './run-git.ts';
import { writeSshKey } from './ssh-key.ts';

/** A signing key as Flux's Secret holds it. */
export interface PgpSigningKey {
  armoredKey: string;
  passphrase?: string | undefined;
}

/** git `-c` settings that sign a commit with the imported key; `dispose()` removes the keyring and stops gpg-agent. */
export interface PreparedSigner {
  gitConfig: string[];
  dispose(): Promise<void>;
}

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** Imports the key into a fresh keyring; throws GitOperationError when gpg refuses it or it holds no secret key. */
export async function preparePgpSigner(key: PgpSigningKey, signal: AbortSignal): Promise<PreparedSigner> {
  const dir = await mkdtemp(path.join(tmpdir(), 'driftless-gpg-'));
  const home = path.join(dir, 'g');
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', GNUPGHOME: home, LC_ALL: 'C' };
  const gpg = (args: string[], input?: Buffer) =>
    runProcess({ command: 'gpg', args: ['--batch', ...args], cwd: dir, env, signal, ...(input ? { input } : {}) });
  const dispose = async () => {
    await runProcess({
      command: 'gpgconf',
      args: ['--kill', 'all'],
      cwd: dir,
      env,
      signal: new AbortController().signal,
    });
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await mkdir(home, { mode: 0o700 });
    const passFile = path.join(dir, 'passphrase');
    await writeFile(passFile, key.passphrase ?? '', { mode: 0o600 });
    const imported = await gpg(['--import'], Buffer.from(key.armoredKey));
    if (!imported.ok)
      throw new GitOperationError(
        `unable to read the signing key: ${imported.stderr.trim().split('\n')[0] ?? 'gpg failed'}`,
      );
    const listing = await gpg(['--with-colons', '--list-secret-keys']);
    const fpr = /^fpr:+([0-9A-F]{40,64}):/m.exec(listing.stdout)?.[1];
    if (!listing.ok || !fpr) throw new GitOperationError('the signing key holds no OpenPGP private key');
    // Check the passphrase now, so a wrong one is named instead of surfacing as "gpg failed to sign the data".
    const check = await gpg(
      ['--pinentry-mode', 'loopback', '--passphrase-file', passFile, '--local-user', fpr, '--detach-sign', '--armor'],
      Buffer.from('check'),
    );
    if (!check.ok)
      throw new GitOperationError(
        /bad passphrase|no passphrase/i.test(check.stderr)
          ? 'unable to decrypt the signing key: wrong passphrase in the Secret'
          : `unable to sign with the signing key: ${check.stderr.trim().split('\n').pop() ?? 'gpg failed'}`,
      );
    const wrapper = path.join(dir, 'gpg-sign');
    await writeFile(
      wrapper,
      `#!/bin/sh\nGNUPGHOME=${quote(home)} exec gpg --batch --pinentry-mode loopback --passphrase-file ${quote(passFile)} "$@"\n`,
    );
    await chmod(wrapper, 0o700);
    return {
      gitConfig: ['-c', 'gpg.format=openpgp', '-c', `gpg.program=${wrapper}`, '-c', `user.signingkey=${fpr}`],
      dispose,
    };
  } catch (err) {
    await dispose();
    throw err;
  }
}

/** An SSH signing key as Flux's Secret holds it (`identity`, optional `password`). */
export interface SshSigningKey {
  identity: string;
  password?: string | undefined;
}

/**
 * Writes the key (decrypted with its passphrase) into a private temp dir and checks that ssh-keygen can
 * read it; throws GitError subclasses naming a wrong passphrase or an unreadable key, never the key.
 */
export async function prepareSshSigner(key: SshSigningKey, signal: AbortSignal): Promise<PreparedSigner> {
  const dir = await mkdtemp(path.join(tmpdir(), 'driftless-sshsign-'));
  const dispose = () => rm(dir, { recursive: true, force: true });
  try {
    const keyFile = path.join(dir, 'signing-key');
    const what = "the SSH signing key in the Secret's 'identity'";
    await writeSshKey({ file: keyFile, key: key.identity, passphrase: key.password, what, signal });
    // Reading the public half proves the key is usable now, instead of a late "failed to sign the data".
    const check = await runProcess({
      command: 'ssh-keygen',
      args: ['-y', '-P', '', '-f', keyFile],
      cwd: dir,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' },
      signal,
    });
    if (!check.ok)
      throw new GitOperationError(
        /incorrect passphrase/i.test(check.stderr)
          ? `${what} is protected by a passphrase: put it in the Secret's 'password'`
          : `${what} is not a readable SSH private key`,
      );
    return { gitConfig: ['-c', 'gpg.format=ssh', '-c', `user.signingkey=${keyFile}`], dispose };
  } catch (err) {
    await dispose();
    throw err;
  }
}
