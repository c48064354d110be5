// Signature verification against commits and tags signed by real gpg and real `ssh-keygen -Y sign`,
// fetched from the local Git server as the GitRepository reconciler fetches them.
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startGitServer, type GitServer } from '../../devenv/git-server.ts';
import { newPgpSigner, newSshSigner, pushCommit, type TestSigner } from '../../../test/support/signed-commits.ts';
import { fetchRevision, type FetchedRevision } from './fetch-revision.ts';
import type { GitRef } from './ref.ts';
import type { VerificationKeys } from './signature.ts';
import {
  InvalidSignatureError,
  NoTagToVerifyError,
  UnsignedTagError,
  verifySignatures,
  type VerificationMode,
} from './verify-signature.ts';

const creds = { username: 'alice', password: 'pw-verify-3e1' };
let scratch: string;
let verifyTmp: string;
let server: GitServer;
let url: string;
let pgp: Awaited<ReturnType<typeof newPgpSigner>>;
let otherPgp: Awaited<ReturnType<typeof newPgpSigner>>;
let ssh: TestSigner;
let otherSsh: TestSigner;
let n = 0;

const push = (opts: Omit<Parameters<typeof pushCommit>[0], 'repoUrl' | 'username' | 'password' | 'tmp' | 'files'>) =>
  pushCommit({ repoUrl: url, ...creds, tmp: scratch, files: { 'n.txt': `${++n}\n` }, ...opts });
const fetch = (ref: GitRef): Promise<FetchedRevision> =>
  fetchRevision({ url, auth: creds, ref, dir: path.join(scratch, `co-${++n}`) });
const keys = (...signers: TestSigner[]): VerificationKeys => ({
  pgp: signers.filter((s) => s.kind === 'pgp').map((s) => s.publicKey),
  ssh: signers.filter((s) => s.kind === 'ssh').map((s) => s.publicKey),
});
const verify = (fetched: FetchedRevision, mode: VerificationMode, k: VerificationKeys) =>
  verifySignatures({
    dir: path.join(scratch, `co-${n}`),
    commit: fetched.commit,
    ...(fetched.tag ? { tag: fetched.tag } : {}),
    mode,
    keys: k,
    tmpDir: verifyTmp,
  });
const rejects = (p: Promise<unknown>, cls: new (...a: never[]) => Error, pattern: RegExp) =>
  assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof cls, `expected ${cls.name}, got ${String(err)}`);
    assert.match(err.message, pattern);
    return true;
  });

before(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'verify-'));
  verifyTmp = path.join(scratch, 'verify-tmp');
  await mkdir(verifyTmp);
  server = await startGitServer({ root: path.join(scratch, 'repos'), ...creds });
  await server.createRepo('signed');
  url = server.repoUrl('signed');
  [pgp, otherPgp, ssh, otherSsh] = await Promise.all([
    newPgpSigner(scratch, 'pgp'),
    newPgpSigner(scratch, 'other'),
    newSshSigner(scratch, 'ssh'),
    newSshSigner(scratch, 'otherssh'),
  ]);
});

after(async () => {
  await pgp?.stop();
  await otherPgp?.stop();
  await server?.stop();
  await rm(scratch, { recursive: true, force: true });
});

void test('HEAD: a gpg-signed commit verifies with its key and reports the long key ID; others fail', async () => {
  const sha = await push({ message: 'pgp signed', signer: pgp });
  const fetched = await fetch({ branch: 'main' });
  assert.equal(fetched.commit, sha);
  assert.deepEqual(await verify(fetched, 'HEAD', keys(otherPgp, pgp, ssh)), [
    { kind: 'commit', name: sha, key: pgp.keyId },
  ]);
  assert.deepEqual(await verify(fetched, 'head', keys(pgp)), [{ kind: 'commit', name: sha, key: pgp.keyId }]);
  await rejects(
    verify(fetched, 'HEAD', keys(otherPgp)),
    InvalidSignatureError,
    new RegExp(
      `^signature verification of commit '${sha}' failed: unable to verify Git commit: unable to verify payload with any of the given key rings: no matching key$`,
    ),
  );
  await rejects(
    verify(fetched, 'HEAD', keys(ssh)),
    InvalidSignatureError,
    /PGP signature detected but no PGP public keys found in secret \(keys with \.asc suffix\)$/,
  );
  await rejects(
    verify(fetched, 'HEAD', { pgp: ['not a key'], ssh: [] }),
    InvalidSignatureError,
    /unable to read armored key ring/,
  );
  // Every private GNUPGHOME and signature file is gone.
  assert.deepEqual(await readdir(verifyTmp), []);
});

void test('HEAD: an ssh-keygen-signed commit verifies and reports the SHA256 fingerprint; others fail', async () => {
  const sha = await push({ message: 'ssh signed', signer: ssh });
  const fetched = await fetch({ branch: 'main' });
  assert.deepEqual(await verify(fetched, 'HEAD', keys(pgp, otherSsh, ssh)), [
    { kind: 'commit', name: sha, key: ssh.keyId },
  ]);
  await rejects(
    verify(fetched, 'HEAD', keys(otherSsh, pgp)),
    InvalidSignatureError,
    /failed: unable to verify Git commit SSH signature: unable to verify payload with any of the given authorized keys: no matching key$/,
  );
  await rejects(verify(fetched, 'HEAD', keys(pgp)), InvalidSignatureError, /SSH signature detected but no SSH/);
});

void test('HEAD: an unsigned commit fails as Flux words it', async () => {
  const sha = await push({ message: 'unsigned' });
  const fetched = await fetch({ branch: 'main' });
  await rejects(
    verify(fetched, 'HEAD', keys(pgp, ssh)),
    InvalidSignatureError,
    new RegExp(`^signature verification of commit '${sha}' failed: unsupported signature type: empty$`),
  );
});

void test('Tag and TagAndHEAD: the annotated tag object is verified, then the commit it points to', async () => {
  // A gpg-signed tag on an unsigned commit: Tag passes, TagAndHEAD fails on the commit.
  const unsignedSha = await push({ message: 'tagged', tag: { name: 'v1.0.0', signer: pgp } });
  const v1 = await fetch({ tag: 'v1.0.0' });
  assert.equal(v1.commit, unsignedSha);
  assert.ok(v1.tag?.object && v1.tag.object !== unsignedSha);
  const tagName = `v1.0.0@${v1.tag.object}`;
  assert.deepEqual(await verify(v1, 'Tag', keys(pgp)), [{ kind: 'tag', name: tagName, key: pgp.keyId }]);
  await rejects(verify(v1, 'TagAndHEAD', keys(pgp)), InvalidSignatureError, /commit '.*unsupported signature type/);
  await rejects(
    verify(v1, 'Tag', keys(otherPgp)),
    InvalidSignatureError,
    new RegExp(`^signature verification of tag '${tagName}' failed: unable to verify Git tag: .*no matching key$`),
  );
  // SSH-signed tag on an SSH-signed commit, selected by semver: both verified, tag first.
  const sha = await push({ message: 'release 2', signer: ssh, tag: { name: 'v2.0.0', signer: ssh } });
  const v2 = await fetch({ semver: '^2.0.0' });
  const both = await verify(v2, 'TagAndHEAD', keys(ssh));
  assert.deepEqual(
    both.map((v) => `${v.kind}:${v.name}:${v.key}`),
    [`tag:v2.0.0@${v2.tag?.object ?? ''}:${ssh.keyId}`, `commit:${sha}:${ssh.keyId}`],
  );
});

void test('Tag modes need a signed annotated tag: a branch, a lightweight or an unsigned tag fail', async () => {
  await push({ message: 'light', signer: pgp, tag: { name: 'light', lightweight: true } });
  await push({ message: 'plain', signer: pgp, tag: { name: 'plain' } });
  const branch = await fetch({ branch: 'main' });
  await rejects(verify(branch, 'Tag', keys(pgp)), NoTagToVerifyError, /if a tag reference is not specified/);
  // HEAD mode on the same checkout still passes: the tag is only needed by the tag modes.
  assert.equal((await verify(branch, 'HEAD', keys(pgp))).length, 1);
  await rejects(
    verify(await fetch({ tag: 'light' }), 'TagAndHEAD', keys(pgp)),
    UnsignedTagError,
    /^cannot verify signature of tag 'light' since it is not signed$/,
  );
  const plain = await fetch({ name: 'refs/tags/plain' });
  await rejects(
    verify(plain, 'Tag', keys(pgp)),
    UnsignedTagError,
    new RegExp(`^cannot verify signature of tag 'plain@${plain.tag?.object ?? 'x'}' since it is not signed$`),
  );
});
