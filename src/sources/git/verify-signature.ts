// Verifies the OpenPGP or SSH signature of a fetched commit and/or its annotated tag against given keys
// only: gpg runs in a private, temporary GNUPGHOME and ssh-keygen against an allowed-signers file built
// from the keys; the machine's own keyrings are never read, and the temporary directory is removed.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runGit, runProcess, type RunGitResult } from './run-git.ts';
import {
  allowedSignersFile,
  parseAuthorizedKeys,
  parseGpgStatus,
  signatureType,
  splitCommitSignature,
  splitTagSignature,
  sshFingerprint,
  type SignedPayload,
  type SshPublicKey,
  type VerificationKeys,
} from './signature.ts';

/** Which objects to verify, as `.spec.verify.mode` names them (`head` is the old spelling of `HEAD`). */
export type VerificationMode = 'HEAD' | 'head' | 'Tag' | 'TagAndHEAD';

/** Options of `verifySignatures`; `timeoutMs` (default 60000) bounds all gpg/ssh-keygen/git runs together. */
export interface VerifySignaturesOptions {
  /** The checkout made by `fetchRevision` (its `.git` holds the objects). */
  dir: string;
  commit: string;
  /** The fetched tag, when the ref was one. */
  tag?: { name: string; object?: string };
  mode: VerificationMode;
  keys: VerificationKeys;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Where the private key directory is created; default `os.tmpdir()`. */
  tmpDir?: string;
}

/** One verified object: what it is (`commit '<sha>'` or `tag '<name>@<object>'` in Flux's words) and the key. */
export interface VerifiedObject {
  kind: 'commit' | 'tag';
  /** Commit id, or `<tag name>@<tag object id>`. */
  name: string;
  /** OpenPGP long key ID of the primary key, or the SHA256 fingerprint of the SSH key. */
  key: string;
}

/** Base class of verification failures; the message is source-controller's wording. */
export abstract class SignatureVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The mode asks for a tag but the ref is not a tag: only a spec change helps. */
export class NoTagToVerifyError extends SignatureVerificationError {}

/** The tag is lightweight or its object carries no signature. */
export class UnsignedTagError extends SignatureVerificationError {}

/** The signature of the commit or tag is missing, of another kind, or not made by any of the keys. */
export class InvalidSignatureError extends SignatureVerificationError {
  readonly object: 'commit' | 'tag';
  constructor(object: 'commit' | 'tag', message: string) {
    super(message);
    this.object = object;
  }
}

/** Something around the check failed (a program missing, a timeout, an object not found). */
export class VerificationRunError extends SignatureVerificationError {}

const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * Verifies the tag (modes `Tag`, `TagAndHEAD`) and then the commit (`HEAD`, `head`, `TagAndHEAD`), and returns
 * what was verified, in that order. Throws a `SignatureVerificationError` subclass; never logs key material.
 */
export async function verifySignatures(opts: VerifySignaturesOptions): Promise<VerifiedObject[]> {
  const deadline = AbortSignal.timeout(opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const signal = opts.signal ? AbortSignal.any([opts.signal, deadline]) : deadline;
  const home = await mkdtemp(path.join(opts.tmpDir ?? tmpdir(), 'driftless-verify-'));
  try {
    const tools = new Tools(home, signal);
    const verified: VerifiedObject[] = [];
    if (opts.mode === 'Tag' || opts.mode === 'TagAndHEAD') {
      const tag = opts.tag;
      if (!tag)
        throw new NoTagToVerifyError("cannot verify tag object's signature if a tag reference is not specified");
      const name = tag.object ? `${tag.name}@${tag.object}` : tag.name;
      const signed = tag.object ? splitTagSignature(await tools.catFile(opts.dir, 'tag', tag.object)) : undefined;
      if (!signed?.signature)
        throw new UnsignedTagError(`cannot verify signature of tag '${name}' since it is not signed`);
      const key = await verifyObject(tools, signed, opts.keys, 'tag').catch((err: unknown) => {
        throw wrap(err, 'tag', `signature verification of tag '${name}' failed`);
      });
      verified.push({ kind: 'tag', name, key });
    }
    if (opts.mode !== 'Tag') {
      const signed = splitCommitSignature(await tools.catFile(opts.dir, 'commit', opts.commit));
      const key = await verifyObject(tools, signed, opts.keys, 'commit').catch((err: unknown) => {
        throw wrap(err, 'commit', `signature verification of commit '${opts.commit}' failed`);
      });
      verified.push({ kind: 'commit', name: opts.commit, key });
    }
    return verified;
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

/** Flux's message of a successful verification: `verified signature of\n\t- commit '<sha>' with key '<id>'`. */
export function verifiedMessage(verified: readonly VerifiedObject[]): string {
  const lines = verified.map((v) => `\n\t- ${v.kind} '${v.name}' with key '${v.key}'`);
  return `verified signature of${lines.join('')}`;
}

/** A detail error of one object's check, turned into source-controller's "… failed: <detail>". */
class DetailError extends Error {}

function wrap(err: unknown, object: 'commit' | 'tag', prefix: string): Error {
  if (err instanceof DetailError) return new InvalidSignatureError(object, `${prefix}: ${err.message}`);
  return err instanceof SignatureVerificationError ? err : new VerificationRunError(`${prefix}: ${String(err)}`);
}

async function verifyObject(
  tools: Tools,
  signed: SignedPayload,
  keys: VerificationKeys,
  object: 'commit' | 'tag',
): Promise<string> {
  const type = signatureType(signed.signature);
  const what = object === 'commit' ? 'Git commit' : 'Git tag';
  switch (type) {
    case 'openpgp':
      if (keys.pgp.length === 0) {
        throw new DetailError('PGP signature detected but no PGP public keys found in secret (keys with .asc suffix)');
      }
      return tools.verifyPgp(signed, keys.pgp, what);
    case 'ssh':
      if (keys.ssh.length === 0) {
        throw new DetailError(
          'SSH signature detected but no SSH public keys found in secret (keys with .sshpub suffix)',
        );
      }
      return tools.verifySsh(signed, keys.ssh, what);
    default:
      throw new DetailError(`unsupported signature type: ${type}`);
  }
}

/** The programs a check runs, all inside one private directory and under one signal. */
class Tools {
  private readonly env: NodeJS.ProcessEnv;
  private files = 0;

  constructor(
    private readonly home: string,
    private readonly signal: AbortSignal,
  ) {
    this.env = {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      HOME: home,
      GNUPGHOME: path.join(home, 'gnupg'),
      LC_ALL: 'C',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
    };
  }

  async catFile(dir: string, type: 'commit' | 'tag', id: string): Promise<Buffer> {
    const result = await runGit({ args: ['cat-file', type, id], cwd: dir, env: this.env, signal: this.signal });
    this.check(result, `read ${type} '${id}'`);
    return result.stdoutBytes;
  }

  /** gpg --verify against a keyring that holds only `keyRings`; returns the signer's primary key ID. */
  async verifyPgp(signed: SignedPayload, keyRings: readonly string[], what: string): Promise<string> {
    const gnupg = this.env.GNUPGHOME ?? '';
    // A fresh keyring per object: the keys of one check never linger into the next.
    await rm(gnupg, { recursive: true, force: true });
    await mkdir(gnupg, { mode: 0o700 });
    // --no-autostart: a private key pasted into the Secret must not start a gpg-agent that outlives the check.
    const gpg = [
      '--batch',
      '--no-tty',
      '--no-autostart',
      '--homedir',
      gnupg,
      '--no-auto-key-retrieve',
      '--status-fd',
      '1',
    ];
    let imported = 0;
    for (const ring of keyRings) {
      const result = await this.run('gpg', [...gpg, '--import'], Buffer.from(ring));
      if (result.aborted || result.spawnError) this.check(result, 'import the public keys');
      if (/^\[GNUPG:\] IMPORT_OK /m.test(result.stdout)) imported++;
    }
    if (imported === 0) throw new DetailError('unable to read armored key ring: no public key found');
    const sig = await this.write(signed.signature);
    const payload = await this.write(signed.payload);
    const result = await this.run('gpg', [...gpg, '--verify', '--', sig, payload]);
    if (result.aborted || result.spawnError) this.check(result, 'verify the signature');
    const verdict = parseGpgStatus(result.stdout);
    if (!result.ok || !verdict.good || !verdict.keyId) {
      throw new DetailError(
        `unable to verify ${what}: unable to verify payload with any of the given key rings: no matching key`,
      );
    }
    return verdict.keyId;
  }

  /** ssh-keygen -Y find-principals, then -Y verify, against the given keys in namespace `git`. */
  async verifySsh(signed: SignedPayload, authorizedKeys: readonly string[], what: string): Promise<string> {
    const keys: SshPublicKey[] = [];
    let parseError: unknown;
    for (const text of authorizedKeys) {
      try {
        keys.push(...parseAuthorizedKeys(text));
      } catch (err) {
        parseError ??= err;
      }
    }
    if (keys.length === 0) {
      const why = parseError instanceof Error ? parseError.message : 'no key found';
      throw new DetailError(`unable to parse authorized keys: ${why}`);
    }
    const signers = await this.write(allowedSignersFile(keys));
    const sig = await this.write(signed.signature);
    const noMatch = new DetailError(
      `unable to verify ${what} SSH signature: unable to verify payload with any of the given authorized keys: no matching key`,
    );
    const found = await this.run('ssh-keygen', ['-Y', 'find-principals', '-f', signers, '-s', sig]);
    if (found.aborted || found.spawnError) this.check(found, 'look up the SSH signer');
    const principals = found.ok ? found.stdout.split('\n').filter((p) => /^key-\d+$/.test(p.trim())) : [];
    for (const principal of principals.map((p) => p.trim())) {
      const args = ['-Y', 'verify', '-f', signers, '-I', principal, '-n', 'git', '-s', sig];
      const result = await this.run('ssh-keygen', args, signed.payload);
      if (result.aborted || result.spawnError) this.check(result, 'verify the SSH signature');
      const key = keys[Number(principal.slice('key-'.length))];
      if (result.ok && key) return sshFingerprint(key);
    }
    throw noMatch;
  }

  private run(command: string, args: string[], input?: Buffer): Promise<RunGitResult> {
    return runProcess({
      command,
      args,
      cwd: this.home,
      env: this.env,
      signal: this.signal,
      ...(input ? { input } : {}),
    });
  }

  /** Writes `data` to a new file in the private directory and returns its path. */
  private async write(data: string | Buffer): Promise<string> {
    const file = path.join(this.home, `f${++this.files}`);
    await writeFile(file, data, { mode: 0o600 });
    return file;
  }

  private check(result: RunGitResult, action: string): void {
    if (result.ok) return;
    if (result.aborted) throw new VerificationRunError(`cannot ${action}: timed out or aborted`);
    if (result.spawnError) throw new VerificationRunError(`cannot ${action}: ${result.spawnError.message}`);
    const detail = result.stderr.trim().split('\n').at(-1) ?? '';
    throw new VerificationRunError(`cannot ${action}: ${detail || `exit code ${result.code ?? 'unknown'}`}`);
  }
}
