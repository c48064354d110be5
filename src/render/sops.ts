// Runs the real `sops` binary to decrypt, with the Kustomization's keys in a private temp directory that is removed
// afterwards. Ciphertext goes in on stdin and plaintext comes back on stdout: neither is written to disk here.
import { execFile } from 'node:child_process';
import type { ExecFileException } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DecryptionError } from './sops-errors.ts';
import type { SopsFormat, SopsKeys } from './sops-format.ts';

/** Options of {@link withSopsSession}. */
export type SopsSessionOptions = {
  /** Path of the sops binary. */
  sopsBin: string;
  /** gpg binary for importing OpenPGP keys (and for sops to decrypt with them); default `gpg` on PATH. */
  gpgBin?: string;
  /** The private keys to decrypt with. */
  keys: SopsKeys;
  /** Cancels every sops run of the session. */
  signal?: AbortSignal;
  /** Limit for one sops or gpg run; default 1 minute. */
  timeoutMs?: number;
  /** PATH for the children (sops runs gpg); default `/usr/local/bin:/usr/bin:/bin`. */
  pathEnv?: string;
};

/** One decryption request: the ciphertext, its format and the name to use in errors. */
export type SopsDecryptInput = {
  data: Uint8Array;
  format: SopsFormat;
  /** File relative to the source, or `Secret/ns/name`: named in every error. */
  source: string;
  /** Skip sops's MAC check (needed for built Secrets, whose metadata kustomize has changed); default false. */
  ignoreMac?: boolean;
};

/** Decrypts with the keys of one session. */
export type SopsSession = { decrypt(input: SopsDecryptInput): Promise<Buffer> };

// sops exit codes (cmd/sops/codes) that say what went wrong without quoting the file.
const exitMessages: Record<number, string> = {
  24: 'the MAC does not decrypt: the file was modified after it was encrypted',
  25: 'a value does not decrypt: the file was modified after it was encrypted',
  51: 'the MAC does not match: the file was modified after it was encrypted',
  52: 'the sops metadata has no MAC',
  128: 'no key in the decryption Secret can decrypt its data key (check spec.decryption.secretRef and the recipients)',
};

const MAX_OUTPUT = 16 * 1024 * 1024;

/**
 * Creates a private (0700) temp directory with the age identities (`SOPS_AGE_KEY_FILE`) and a GnuPG home holding
 * the imported OpenPGP keys, runs `fn` with a session that decrypts through `sops decrypt`, then stops gpg's agent
 * and removes the directory, whatever `fn` did. The children get a scrubbed environment (no cloud credentials, no
 * user keys). Throws DecryptionError when a key cannot be imported (naming the key's position, never its content).
 */
export async function withSopsSession<T>(opts: SopsSessionOptions, fn: (s: SopsSession) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'driftless-sops-'));
  const gnupg = path.join(dir, 'gnupg');
  const env: NodeJS.ProcessEnv = {
    PATH: opts.pathEnv ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: dir,
    XDG_CONFIG_HOME: path.join(dir, 'config'),
    GNUPGHOME: gnupg,
    SOPS_AGE_KEY_FILE: path.join(dir, 'age.keys'),
    SOPS_GPG_EXEC: opts.gpgBin ?? 'gpg',
  };
  const run = (bin: string, args: string[], input: Uint8Array) =>
    runChild({ bin, args, input, env, cwd: dir, signal: opts.signal, timeoutMs: opts.timeoutMs ?? 60_000 });
  try {
    await mkdir(gnupg, { mode: 0o700 });
    await writeFile(env.SOPS_AGE_KEY_FILE as string, opts.keys.ageIdentities.join('\n') + '\n', { mode: 0o600 });
    for (const [i, key] of opts.keys.pgpKeys.entries()) {
      const res = await run(
        env.SOPS_GPG_EXEC as string,
        ['--batch', '--no-tty', '--quiet', '--import'],
        Buffer.from(key),
      );
      if (res.error) {
        throw new DecryptionError({
          source: 'decryption Secret',
          message: `cannot import OpenPGP key ${i + 1} (an entry ending .asc) of the decryption Secret: ${describe(res.error)}`,
        });
      }
    }
    return await fn({
      decrypt: async (input) => {
        const args = ['decrypt', '--input-type', input.format, '--output-type', input.format];
        if (input.ignoreMac) args.push('--ignore-mac');
        // No file argument: sops reads stdin (Node's stdin is a socket, which `/dev/stdin` cannot open).
        const res = await run(opts.sopsBin, args, input.data);
        if (!res.error) return res.stdout;
        throw new DecryptionError({
          source: input.source,
          message: `failed to decrypt ${input.source}: ${describe(res.error, 'sops')}`,
          cause: res.error,
        });
      },
    });
  } finally {
    // gpg (run by the import, or by sops for a pgp-encrypted file even without keys) may have started an agent bound
    // to this home; stop it before its directory goes.
    await runChild({
      bin: 'gpgconf',
      args: ['--kill', 'all'],
      input: new Uint8Array(),
      env,
      cwd: dir,
      timeoutMs: 10_000,
    });
    await rm(dir, { recursive: true, force: true });
  }
}

type ChildResult = { stdout: Buffer; error?: ExecFileException };

function runChild(o: {
  bin: string;
  args: string[];
  input: Uint8Array;
  env: NodeJS.ProcessEnv;
  cwd: string;
  signal?: AbortSignal | undefined;
  timeoutMs: number;
}): Promise<ChildResult> {
  return new Promise<ChildResult>((resolve) => {
    const child = execFile(
      o.bin,
      o.args,
      {
        cwd: o.cwd,
        env: o.env,
        timeout: o.timeoutMs,
        maxBuffer: MAX_OUTPUT,
        signal: o.signal,
        encoding: 'buffer',
        killSignal: 'SIGKILL',
      },
      // stderr is dropped on purpose: sops and gpg may quote keys or values in it.
      (err, stdout) => resolve(err ? { stdout, error: err } : { stdout }),
    );
    child.stdin?.on('error', () => undefined); // the child may exit before reading all of stdin
    child.stdin?.end(o.input);
  });
}

function describe(err: ExecFileException, tool = 'gpg'): string {
  if (err.code === 'ENOENT' || err.code === 'EACCES') return `the ${tool} binary cannot be run (${err.code})`;
  if (err.name === 'AbortError') return `${tool} was cancelled`;
  if (err.killed) return `${tool} timed out`;
  if (err.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') return `the output is larger than ${MAX_OUTPUT} bytes`;
  const code = typeof err.code === 'number' ? err.code : undefined;
  const known = tool === 'sops' && code !== undefined ? exitMessages[code] : undefined;
  return known ?? `${tool} failed with exit code ${String(err.code)}`;
}
