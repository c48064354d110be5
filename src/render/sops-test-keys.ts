// Test-only: age and OpenPGP keys made by the real age-keygen and gpg, and encryption with the real sops CLI.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** The sops and age-keygen binaries built by scripts/provision.sh, when both are there and gpg is installed. */
export function provisionedSops(): { sops: string; ageKeygen: string } | undefined {
  const cache = process.env['DRIFTLESS_CACHE'] ?? path.join(os.homedir(), '.cache', 'driftless');
  const sops = path.join(cache, 'bin', 'sops');
  const ageKeygen = path.join(cache, 'bin', 'age-keygen');
  let gpg = true;
  try {
    execFileSync('gpg', ['--version'], { stdio: 'ignore' });
  } catch {
    gpg = false;
  }
  return existsSync(sops) && existsSync(ageKeygen) && gpg ? { sops, ageKeygen } : undefined;
}

/** Keys for one test run: two age identities and one OpenPGP key, plus `encrypt` with the real sops CLI. */
export type SopsTestKit = {
  age: { identity: string; recipient: string };
  otherAge: { identity: string; recipient: string };
  pgp: { armoredPrivateKey: string; fingerprint: string };
  /** Encrypts `plain` as a file named `name` (format by extension unless given) for age or pgp; extra sops flags. */
  encrypt(name: string, plain: string, to: 'age' | 'pgp', flags?: string[]): Promise<string>;
  cleanup(): Promise<void>;
};

/** Generates the keys in a temp dir (its own GNUPGHOME); call cleanup() to stop gpg's agent and remove it. */
export async function makeSopsTestKit(bins: { sops: string; ageKeygen: string }): Promise<SopsTestKit> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'driftless-sops-test-'));
  const gnupg = path.join(dir, 'gnupg');
  await mkdir(gnupg, { mode: 0o700 });
  const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, GNUPGHOME: gnupg };
  const ageKey = async (name: string) => {
    const file = path.join(dir, name);
    execFileSync(bins.ageKeygen, ['-o', file], { env, stdio: 'ignore' });
    const identity = await readFile(file, 'utf8');
    const recipient = /public key: (age1[0-9a-z]+)/.exec(identity)?.[1];
    if (!recipient) throw new Error('age-keygen wrote no public key');
    return { identity, recipient };
  };
  const age = await ageKey('a.txt');
  const otherAge = await ageKey('b.txt');
  const gpg = (args: string[]) => execFileSync('gpg', ['--batch', '--no-tty', ...args], { env, encoding: 'utf8' });
  gpg(['--passphrase', '', '--quick-gen-key', 'Driftless Test <sops@driftless.test>', 'default', 'default', 'never']);
  const fingerprint = /^fpr:+([0-9A-F]{40}):/m.exec(gpg(['--with-colons', '--list-secret-keys']))?.[1];
  if (!fingerprint) throw new Error('gpg made no key');
  const armoredPrivateKey = gpg(['--armor', '--export-secret-keys', fingerprint]);
  let n = 0;
  return {
    age,
    otherAge,
    pgp: { armoredPrivateKey, fingerprint },
    async encrypt(name, plain, to, flags = []) {
      const work = path.join(dir, `plain-${++n}`);
      await mkdir(work);
      const file = path.join(work, name);
      await writeFile(file, plain);
      const keyFlag = to === 'age' ? ['--age', age.recipient] : ['--pgp', fingerprint];
      const out = execFileSync(bins.sops, ['encrypt', ...keyFlag, ...flags, file], { env, encoding: 'utf8' });
      await rm(work, { recursive: true, force: true });
      return out;
    },
    async cleanup() {
      try {
        execFileSync('gpgconf', ['--kill', 'all'], { env, stdio: 'ignore' });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}
