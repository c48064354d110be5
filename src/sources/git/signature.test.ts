// Where commits and tags keep their signatures, how verification keys and gpg's status are read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  allowedSignersFile,
  parseAuthorizedKeys,
  parseGpgStatus,
  signatureType,
  splitCommitSignature,
  splitTagSignature,
  sshFingerprint,
  verificationKeysFromSecret,
} from './signature.ts';
import { verifiedMessage } from './verify-signature.ts';

const PGP = '-----BEGIN PGP SIGNATURE-----\n\niQEz\n=abcd\n-----END PGP SIGNATURE-----\n';
const SSH = '-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----\n';

void test('signature types by armor, as source-controller names them', () => {
  assert.equal(signatureType(PGP), 'openpgp');
  assert.equal(signatureType(`\n${SSH}`), 'ssh');
  assert.equal(signatureType('-----BEGIN SIGNED MESSAGE-----\nx\n'), 'x509');
  assert.equal(signatureType(''), 'empty');
  assert.equal(signatureType('garbage'), 'unknown');
});

void test('a commit without its gpgsig header is the signed payload; continuation lines are the signature', () => {
  const signedHeader = PGP.trimEnd()
    .split('\n')
    .map((l, i) => (i === 0 ? `gpgsig ${l}` : ` ${l}`))
    .join('\n');
  // A non-UTF-8 byte in the message must survive the split unchanged.
  const head = 'tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A <a@x> 1 +0000\ncommitter A <a@x> 1 +0000\n';
  const unsigned = Buffer.concat([Buffer.from(`${head}\nmessage `), Buffer.from([0xe9]), Buffer.from('\n')]);
  const raw = Buffer.concat([Buffer.from(`${head}${signedHeader}\n`), unsigned.subarray(head.length)]);
  const split = splitCommitSignature(raw);
  assert.deepEqual(split.payload, unsigned);
  assert.equal(split.signature, PGP);
  assert.deepEqual(splitCommitSignature(unsigned), { payload: unsigned, signature: '' });
});

void test('a tag is signed up to the armor that ends it; an unsigned tag has no signature', () => {
  const body = 'object 4b825dc642cb6eb9a060e54bf8d69288fbee4904\ntype commit\ntag v1\ntagger A <a@x> 1 +0000\n\nv1\n';
  assert.deepEqual(splitTagSignature(Buffer.from(body + SSH)), { payload: Buffer.from(body), signature: SSH });
  assert.deepEqual(splitTagSignature(Buffer.from(body)), { payload: Buffer.from(body), signature: '' });
});

void test('Secret keys: .sshpub are SSH keys, .asc and any other name OpenPGP key rings', () => {
  const keys = verificationKeysFromSecret({ 'b.asc': 'B', 'dev.sshpub': 'S', legacy: 'L', 'a.asc': 'A' });
  assert.deepEqual(keys, { pgp: ['A', 'B', 'L'], ssh: ['S'] });
});

const ED = 'AAAAC3NzaC1lZDI1NTE5AAAAIB7GNNN3ZLmLpZkLS2bBx4d3YKJNUyO6uqHN2Zz3aPdz';

void test('authorized_keys: options and comments allowed, fingerprints as OpenSSH prints them', () => {
  const keys = parseAuthorizedKeys(
    `# team\nssh-ed25519 ${ED} alice@example\n\nno-pty,command="echo a b" ssh-ed25519 ${ED}\n`,
  );
  assert.deepEqual(keys, [
    { type: 'ssh-ed25519', base64: ED },
    { type: 'ssh-ed25519', base64: ED },
  ]);
  // `ssh-keygen -l` of this key prints this fingerprint.
  assert.match(sshFingerprint({ type: 'ssh-ed25519', base64: ED }), /^SHA256:[A-Za-z0-9+/]{43}$/);
  assert.equal(
    allowedSignersFile(keys),
    `key-0 namespaces="git" ssh-ed25519 ${ED}\nkey-1 namespaces="git" ssh-ed25519 ${ED}\n`,
  );
  assert.throws(() => parseAuthorizedKeys('ssh-ed25519\n'), /line 1 is not an SSH public key/);
  assert.throws(() => parseAuthorizedKeys(`ok\nssh-rsa not*base64`), /line 1/);
});

void test('gpg status: GOODSIG with VALIDSIG gives the primary key ID; anything bad or missing fails', () => {
  const valid =
    '[GNUPG:] NEWSIG\n[GNUPG:] GOODSIG 1111222233334444 Alice\n' +
    '[GNUPG:] VALIDSIG AAAABBBBCCCCDDDDEEEEFFFF1111222233334444 2026-01-01 1 0 4 0 22 10 00 ' +
    '0000111122223333444455556666777788889999\n[GNUPG:] TRUST_UNDEFINED 0 pgp\n';
  assert.deepEqual(parseGpgStatus(valid), { good: true, keyId: '6666777788889999' });
  assert.deepEqual(parseGpgStatus(`${valid}[GNUPG:] EXPKEYSIG 1111 Alice\n`), { good: false });
  assert.deepEqual(parseGpgStatus('[GNUPG:] BADSIG 1111222233334444 Alice\n'), { good: false });
  assert.deepEqual(parseGpgStatus('[GNUPG:] ERRSIG 1111 1 10 00 1 9\n[GNUPG:] NO_PUBKEY 1111\n'), { good: false });
  assert.deepEqual(parseGpgStatus('[GNUPG:] GOODSIG 1111 Alice\n'), { good: false });
  assert.deepEqual(parseGpgStatus(''), { good: false });
});

void test("Flux's success message lists the tag, then the commit", () => {
  assert.equal(
    verifiedMessage([{ kind: 'commit', name: 'abc', key: '5982D0279C227FFD' }]),
    "verified signature of\n\t- commit 'abc' with key '5982D0279C227FFD'",
  );
  assert.equal(
    verifiedMessage([
      { kind: 'tag', name: 'v1@def', key: 'SHA256:x' },
      { kind: 'commit', name: 'abc', key: 'SHA256:x' },
    ]),
    "verified signature of\n\t- tag 'v1@def' with key 'SHA256:x'\n\t- commit 'abc' with key 'SHA256:x'",
  );
});
