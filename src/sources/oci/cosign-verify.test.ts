import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import {
  dssePae,
  signatureValid,
  trustedKeysFromSecret,
  verifyBundle,
  verifySimpleSigning,
  type TrustedKey,
} from './cosign-verify.ts';

const digest = `sha256:${'ab'.repeat(32)}`;
const other = `sha256:${'cd'.repeat(32)}`;

function pair(type: 'ec' | 'rsa' | 'ed25519' = 'ec') {
  const kp =
    type === 'ec'
      ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
      : type === 'rsa'
        ? generateKeyPairSync('rsa', { modulusLength: 2048 })
        : generateKeyPairSync('ed25519');
  return { privateKey: kp.privateKey, pem: kp.publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

const sigOf = (key: KeyObject, data: Buffer) =>
  sign(key.asymmetricKeyType === 'ed25519' ? null : 'sha256', data, key).toString('base64');

const simplePayload = (d: string) =>
  Buffer.from(
    JSON.stringify({
      critical: {
        identity: { 'docker-reference': '127.0.0.1:5000/app' },
        image: { 'docker-manifest-digest': d },
        type: 'cosign container image signature',
      },
      optional: null,
    }),
  );

function bundle(key: KeyObject, subject: string, payloadType = 'application/vnd.in-toto+json'): Buffer {
  const [alg, hex] = subject.split(':');
  const statement = Buffer.from(
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ digest: { [alg!]: hex } }],
      predicateType: 'https://sigstore.dev/cosign/sign/v1',
      predicate: {},
    }),
  );
  const sig = sigOf(key, dssePae(payloadType, statement));
  return Buffer.from(
    JSON.stringify({
      mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      verificationMaterial: { publicKey: { hint: 'x' } },
      dsseEnvelope: { payload: statement.toString('base64'), payloadType, signatures: [{ sig }] },
    }),
  );
}

void test('trustedKeysFromSecret reads only *.pub keys, in name order, and names a key that does not parse', () => {
  const a = pair();
  const b = pair('ed25519');
  const keys = trustedKeysFromSecret({ 'z.pub': a.pem, 'a.pub': b.pem, 'cosign.key': 'private, ignored' });
  assert.deepEqual(
    keys.map((k) => k.name),
    ['a.pub', 'z.pub'],
  );
  assert.throws(() => trustedKeysFromSecret({ 'bad.pub': 'not a key' }), /public key 'bad.pub' is not a PEM/);
});

void test('dssePae is the DSSE v1 pre-authentication encoding', () => {
  assert.equal(
    dssePae('http://example.com/HelloWorld', Buffer.from('hello world')).toString(),
    'DSSEv1 29 http://example.com/HelloWorld 11 hello world',
  );
});

for (const type of ['ec', 'rsa', 'ed25519'] as const) {
  void test(`signatureValid checks ${type} signatures and rejects another key's`, () => {
    const a = pair(type);
    const b = pair(type);
    const data = Buffer.from('payload');
    const key = trustedKeysFromSecret({ 'a.pub': a.pem })[0]!.key;
    assert.equal(signatureValid(key, data, Buffer.from(sigOf(a.privateKey, data), 'base64')), true);
    assert.equal(signatureValid(key, data, Buffer.from(sigOf(b.privateKey, data), 'base64')), false);
    assert.equal(signatureValid(key, Buffer.from('other'), Buffer.from(sigOf(a.privateKey, data), 'base64')), false);
  });
}

void test('verifySimpleSigning needs a trusted key and the artifact digest in the payload', () => {
  const a = pair();
  const b = pair();
  const keys: TrustedKey[] = trustedKeysFromSecret({ 'cosign.pub': a.pem });
  const payload = simplePayload(digest);
  assert.deepEqual(verifySimpleSigning(payload, sigOf(a.privateKey, payload), keys, digest), {
    key: 'cosign.pub',
    format: 'simple-signing',
  });
  // Signed by an untrusted key, unsigned, or a valid signature of another digest's payload.
  assert.equal(verifySimpleSigning(payload, sigOf(b.privateKey, payload), keys, digest), undefined);
  assert.equal(verifySimpleSigning(payload, undefined, keys, digest), undefined);
  const moved = simplePayload(other);
  assert.equal(verifySimpleSigning(moved, sigOf(a.privateKey, moved), keys, digest), undefined);
});

void test('verifyBundle checks the DSSE signature over the PAE and the statement subject', () => {
  const a = pair();
  const b = pair();
  const keys = trustedKeysFromSecret({ 'cosign.pub': a.pem });
  assert.deepEqual(verifyBundle(bundle(a.privateKey, digest), keys, digest), { key: 'cosign.pub', format: 'bundle' });
  assert.equal(verifyBundle(bundle(b.privateKey, digest), keys, digest), undefined);
  assert.equal(verifyBundle(bundle(a.privateKey, other), keys, digest), undefined);
  assert.equal(verifyBundle(bundle(a.privateKey, digest, 'text/plain'), keys, digest), undefined);
  assert.equal(verifyBundle(Buffer.from('not json'), keys, digest), undefined);
  // A payload swapped under a valid signature fails.
  const doc = JSON.parse(bundle(a.privateKey, digest).toString()) as { dsseEnvelope: { payload: string } };
  doc.dsseEnvelope.payload = Buffer.from(
    JSON.stringify({ subject: [{ digest: { sha256: 'ab'.repeat(32) } }] }),
  ).toString('base64');
  assert.equal(verifyBundle(Buffer.from(JSON.stringify(doc)), keys, digest), undefined);
});
