// gcr against a key set served over HTTP (as Google serves its own), with tokens made by `jose`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { createGoogleJwksSource } from './google-jwks.ts';
import { createValidatorRegistry } from './registry.ts';
import { pubsubBody } from './test-fixtures.ts';

void test('gcr verifies a Pub/Sub token against a JWKS fetched over HTTP, with a configured issuer', async (t) => {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  let fetches = 0;
  const server = createServer((_req, res) => {
    fetches++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = `${base}/issuer`;
  const gcr = createValidatorRegistry({
    gcrJwks: createGoogleJwksSource({ url: `${base}/certs` }),
    gcrIssuers: [issuer],
  }).get('gcr')!;
  const secret = { token: 't', email: 'pusher@p.iam.gserviceaccount.com', audience: 'https://hooks.example.com/x' };
  const token = (claims: Record<string, unknown>, key = privateKey) =>
    new SignJWT({ iss: issuer, aud: secret.audience, email: secret.email, email_verified: true, ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(key);
  const call = async (jwt: string) =>
    gcr.validate(
      { headers: new Headers({ authorization: `Bearer ${jwt}` }), body: pubsubBody() },
      { spec: { type: 'gcr', resources: [] }, token: secret.token, secret },
    );

  assert.deepEqual(await call(await token({})), { ok: true, summary: 'GCR INSERT gcr.io/p/app:v1' });
  const other = (await generateKeyPair('RS256')).privateKey;
  for (const [jwt, want] of [
    [await token({}, other), 'signature is invalid'],
    [await token({ aud: 'https://elsewhere' }), 'audience'],
    [await token({ email: 'someone@else' }), 'email'],
    [await token({ iss: 'https://accounts.google.com' }), 'issuer'],
  ] as const) {
    const r = await call(jwt);
    assert.ok(!r.ok && r.status === 400 && r.reason.includes(want), `${want}: ${JSON.stringify(r)}`);
  }
  assert.equal(fetches, 1, 'the key set is fetched once and cached');
});
