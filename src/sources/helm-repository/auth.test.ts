import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAuthFailure, readRepositoryAuth, RepositoryAuthError } from './auth.ts';

const secrets: Record<string, Record<string, string>> = {
  basic: { username: 'u', password: 'p' },
  half: { username: 'u' },
  legacy: { username: 'u', password: 'p', caFile: 'CA' },
  tls: { 'ca.crt': 'CA2', 'tls.crt': 'C', 'tls.key': 'K' },
  certOnly: { 'tls.crt': 'C' },
};
const read = async (_ns: string, name: string) => secrets[name];

void test('secretRef gives basic auth; certSecretRef gives TLS and wins over the deprecated secretRef keys', async () => {
  assert.equal(await readRepositoryAuth('ns', {}, read), undefined);
  assert.deepEqual(await readRepositoryAuth('ns', { secretRef: { name: 'basic' } }, read), {
    username: 'u',
    password: 'p',
  });
  assert.deepEqual(await readRepositoryAuth('ns', { secretRef: { name: 'legacy' } }, read), {
    username: 'u',
    password: 'p',
    caCert: 'CA',
  });
  assert.deepEqual(
    await readRepositoryAuth('ns', { secretRef: { name: 'legacy' }, certSecretRef: { name: 'tls' } }, read),
    {
      username: 'u',
      password: 'p',
      caCert: 'CA2',
      clientCert: 'C',
      clientKey: 'K',
    },
  );
});

void test('incomplete or missing Secrets are refused without echoing their values', async () => {
  await assert.rejects(
    readRepositoryAuth('ns', { secretRef: { name: 'half' } }, read),
    (e: unknown) =>
      e instanceof RepositoryAuthError &&
      /required fields 'username' and 'password'/.test(e.message) &&
      !e.message.includes("'u'"),
  );
  await assert.rejects(
    readRepositoryAuth('ns', { certSecretRef: { name: 'certOnly' } }, read),
    /both tls.crt and tls.key/,
  );
  await assert.rejects(readRepositoryAuth('ns', { secretRef: { name: 'nope' } }, read), /secrets "nope" not found/);
  assert.equal(isAuthFailure('failed to fetch http://x/a.tgz : 401 Unauthorized'), true);
  assert.equal(isAuthFailure('failed to fetch http://x/a.tgz : 404 Not Found'), false);
});
