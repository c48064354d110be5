// writeSshKey and prepareSshSigner with the real ssh-keygen: a protected key is decrypted with the right
// passphrase, a wrong one is named without showing it, and the SSH signer signs a commit git verifies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { prepareSshSigner } from './commit-signing.ts';
import { GitAuthError } from './errors.ts';
import { writeSshKey } from './ssh-key.ts';

const run = promisify(execFile);
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' };

async function protectedKey(dir: string, pass: string): Promise<{ key: string; pub: string }> {
  const file = path.join(dir, 'gen');
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', pass, '-C', 'k', '-f', file]);
  return { key: await readFile(file, 'utf8'), pub: (await readFile(`${file}.pub`, 'utf8')).trim() };
}

void test('a protected key is decrypted with its passphrase; a wrong one is named and never shown', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'ssh-key-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const { key, pub } = await protectedKey(dir, 'right pass');
  const file = path.join(dir, 'identity');
  await writeSshKey({ file, key, passphrase: 'right pass', what: 'the key' });
  // Readable without a passphrase now, and still the same key.
  const derived = (await run('ssh-keygen', ['-y', '-P', '', '-f', file], { env })).stdout.trim();
  assert.equal(derived.split(' ').slice(0, 2).join(' '), pub.split(' ').slice(0, 2).join(' '));
  await assert.rejects(
    writeSshKey({ file: path.join(dir, 'other'), key, passphrase: 'wrong pass', what: 'the key' }),
    (err: Error) => {
      assert.ok(err instanceof GitAuthError);
      assert.match(err.message, /the key could not be decrypted: the passphrase in the Secret's 'password' is wrong/);
      assert.doesNotMatch(err.message, /wrong pass\b|right pass/);
      return true;
    },
  );
  // No passphrase: written as is (ssh itself reports an unusable key).
  await writeSshKey({ file: path.join(dir, 'plain'), key: 'not a key', what: 'the key' });
  assert.equal(await readFile(path.join(dir, 'plain'), 'utf8'), 'not a key\n');
});

void test('prepareSshSigner: git signs a commit with the key (verified with allowed signers); a missing passphrase is named', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'ssh-sign-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const { key, pub } = await protectedKey(dir, 'sign pass');
  await assert.rejects(
    prepareSshSigner({ identity: key }, AbortSignal.timeout(30_000)),
    /is protected by a passphrase/,
  );
  const signer = await prepareSshSigner({ identity: key, password: 'sign pass' }, AbortSignal.timeout(30_000));
  try {
    const repo = path.join(dir, 'repo');
    const git = (args: string[]) =>
      run('git', ['-c', 'user.name=Bot', '-c', 'user.email=bot@example.com', ...args], {
        cwd: repo,
        env: { ...env, HOME: dir, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
      });
    await run('git', ['init', '-q', repo]);
    await git([...signer.gitConfig, 'commit', '-q', '-S', '--allow-empty', '-m', 'signed']);
    const allowed = path.join(dir, 'allowed');
    await writeFile(allowed, `bot@example.com ${pub}\n`);
    const verified = await git(['-c', `gpg.ssh.allowedSignersFile=${allowed}`, 'verify-commit', 'HEAD']);
    assert.match(verified.stderr, /Good "git" signature for bot@example\.com/);
  } finally {
    await signer.dispose();
  }
});
