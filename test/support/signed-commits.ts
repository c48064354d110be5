// Test helpers that sign like a developer does: real gpg keys (in a private GNUPGHOME) and real
// `ssh-keygen -Y sign` (through git's gpg.format=ssh), committed and pushed to the local Git server.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A signing identity: how git signs with it, and the public key as a verification Secret holds it. */
export interface TestSigner {
  kind: 'pgp' | 'ssh';
  /** Armored OpenPGP public key, or the SSH public key line. */
  publicKey: string;
  /** What Flux reports: the OpenPGP long key ID, or the SSH SHA256 fingerprint. */
  keyId: string;
  /** `-c` settings and environment that make `git commit -S` / `git tag -s` use this key. */
  gitConfig: string[];
  env: NodeJS.ProcessEnv;
}

const baseEnv = (home: string): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
  HOME: home,
  LC_ALL: 'C',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_TERMINAL_PROMPT: '0',
  GIT_AUTHOR_NAME: 'Signer',
  GIT_AUTHOR_EMAIL: 'signer@example.com',
  GIT_COMMITTER_NAME: 'Signer',
  GIT_COMMITTER_EMAIL: 'signer@example.com',
});

/** A new OpenPGP key (no passphrase) in its own GNUPGHOME under `dir`; `stop()` ends its gpg-agent. */
export async function newPgpSigner(dir: string, name: string): Promise<TestSigner & { stop(): Promise<void> }> {
  const home = path.join(dir, name);
  const gnupg = path.join(home, 'g');
  await mkdir(gnupg, { recursive: true, mode: 0o700 });
  const env = { ...baseEnv(home), GNUPGHOME: gnupg };
  const uid = `${name} <${name}@example.com>`;
  await run('gpg', ['--batch', '--passphrase', '', '--quick-gen-key', uid, 'ed25519', 'sign', 'never'], { env });
  const listing = (await run('gpg', ['--batch', '--with-colons', '--list-keys', uid], { env })).stdout;
  const fpr = /^fpr:+([0-9A-F]{40}):/m.exec(listing)?.[1];
  if (!fpr) throw new Error(`gpg made no key for ${uid}`);
  const publicKey = (await run('gpg', ['--batch', '--armor', '--export', fpr], { env })).stdout;
  return {
    kind: 'pgp',
    publicKey,
    keyId: fpr.slice(-16),
    gitConfig: ['-c', 'gpg.format=openpgp', '-c', `user.signingkey=${fpr}`],
    env,
    stop: async () => {
      await run('gpgconf', ['--homedir', gnupg, '--kill', 'all'], { env }).catch(() => undefined);
    },
  };
}

/** A new ed25519 SSH key under `dir` that git signs with through `ssh-keygen -Y sign`. */
export async function newSshSigner(dir: string, name: string): Promise<TestSigner> {
  const home = path.join(dir, name);
  await mkdir(home, { recursive: true, mode: 0o700 });
  const key = path.join(home, 'id_ed25519');
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `${name}@example.com`, '-f', key]);
  const publicKey = await readFile(`${key}.pub`, 'utf8');
  const fingerprint = (await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${key}.pub`])).stdout.split(' ')[1];
  if (!fingerprint) throw new Error(`ssh-keygen printed no fingerprint for ${key}`);
  return {
    kind: 'ssh',
    publicKey,
    keyId: fingerprint,
    gitConfig: ['-c', 'gpg.format=ssh', '-c', `user.signingkey=${key}`],
    env: baseEnv(home),
  };
}

/** Options of `pushCommit`: basic-auth credentials of the local Git server, what to commit, how to sign. */
export interface PushCommitOptions {
  repoUrl: string;
  username: string;
  password: string;
  /** Scratch directory for the temporary clone. */
  tmp: string;
  files: Record<string, string>;
  message: string;
  branch?: string;
  /** Signs the commit; unsigned when absent. */
  signer?: TestSigner;
  /** Also creates a tag on the commit: signed by `signer` (or unsigned annotated, or lightweight). */
  tag?: { name: string; signer?: TestSigner; lightweight?: boolean };
}

/** Clones, writes files, commits (signed or not), optionally tags, and pushes; returns the commit id. */
export async function pushCommit(o: PushCommitOptions): Promise<string> {
  const branch = o.branch ?? 'main';
  const work = await mkdtemp(path.join(o.tmp, 'signed-work-'));
  const header = `Authorization: Basic ${Buffer.from(`${o.username}:${o.password}`).toString('base64')}`;
  const auth = { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.extraHeader', GIT_CONFIG_VALUE_0: header };
  const git = async (args: string[], signer?: TestSigner): Promise<string> => {
    const env = { ...baseEnv(work), ...(signer?.env ?? {}), ...auth };
    return (await run('git', [...(signer?.gitConfig ?? []), ...args], { cwd: work, env })).stdout.trim();
  };
  try {
    await git(['clone', '-q', '--branch', branch, '--', o.repoUrl, '.']);
    for (const [file, content] of Object.entries(o.files)) {
      await mkdir(path.dirname(path.join(work, file)), { recursive: true });
      await writeFile(path.join(work, file), content);
    }
    await git(['add', '-A']);
    await git(['commit', '-q', '--allow-empty', ...(o.signer ? ['-S'] : []), '-m', o.message], o.signer);
    const refspecs = [`HEAD:refs/heads/${branch}`];
    if (o.tag) {
      const t = o.tag;
      const how = t.lightweight ? [] : t.signer ? ['-s', '-m', t.name] : ['-a', '-m', t.name];
      await git(['tag', '-f', ...how, '--', t.name], t.signer);
      refspecs.push(`+refs/tags/${t.name}:refs/tags/${t.name}`);
    }
    await git(['push', '-q', 'origin', ...refspecs]);
    return await git(['rev-parse', 'HEAD']);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
