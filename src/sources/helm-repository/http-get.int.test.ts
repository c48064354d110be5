// The Helm repository client over TLS with certificates made by openssl: the CA and client certificate of a
// HelmRepository's spec.certSecretRef (ca.crt, tls.crt, tls.key), basic auth from spec.secretRef, and caps.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensurePki } from '../../devenv/control-plane/pki.ts';
import { readRepositoryAuth, RepositoryAuthError } from './auth.ts';
import { HttpStatusError, SizeLimitError, TransportError } from './errors.ts';
import { httpGet } from './http-get.ts';

async function pkiFiles(t: TestContext) {
  const dir = await mkdtemp(path.join(tmpdir(), 'driftless-helm-tls-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const p = await ensurePki(dir);
  const read = (f: string) => readFile(f, 'utf8');
  return {
    ca: await read(p.caCert),
    cert: await read(p.servingCert),
    key: await read(p.servingKey),
    clientCert: await read(p.adminCert),
    clientKey: await read(p.adminKey),
  };
}

async function listen(t: TestContext, server: http.Server | https.Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  return (server.address() as AddressInfo).port;
}

const opts = { timeoutMs: 10_000, maxBytes: 1024, what: 'index' };

void test('spec.certSecretRef: ca.crt trusts a private CA, tls.crt/tls.key answer mutual TLS', async (t) => {
  const files = await pkiFiles(t);
  const server = https.createServer(
    { cert: files.cert, key: files.key, ca: files.ca, requestCert: true, rejectUnauthorized: true },
    (_req, res) => res.end('apiVersion: v1\n'),
  );
  const url = `https://localhost:${await listen(t, server)}/index.yaml`;
  await assert.rejects(
    httpGet(url, opts),
    (e: unknown) => e instanceof TransportError && /certificate/i.test(e.message),
  );
  // The Secret named by certSecretRef.name, read as source-controller reads it.
  const secrets: Record<string, Record<string, string>> = {
    tls: { 'ca.crt': files.ca, 'tls.crt': files.clientCert, 'tls.key': files.clientKey },
    'ca-only': { 'ca.crt': files.ca },
  };
  const read = async (_ns: string, name: string) => secrets[name];
  const caOnly = await readRepositoryAuth('ns', { certSecretRef: { name: 'ca-only' } }, read);
  await assert.rejects(httpGet(url, { ...opts, ...(caOnly ? { auth: caOnly } : {}) }), TransportError);
  const auth = await readRepositoryAuth('ns', { certSecretRef: { name: 'tls' } }, read);
  assert.equal((await httpGet(url, { ...opts, ...(auth ? { auth } : {}) })).toString(), 'apiVersion: v1\n');
  await assert.rejects(
    readRepositoryAuth('ns', { certSecretRef: { name: 'absent' } }, read),
    (e: unknown) =>
      e instanceof RepositoryAuthError && e.message === `failed to get secret 'ns/absent': secrets "absent" not found`,
  );
});

void test('basic auth goes to the repository origin only; status errors and the size cap are typed', async (t) => {
  const seen: (string | undefined)[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.headers.authorization);
    if (req.url === '/redirect') res.writeHead(302, { location: `http://localhost:${port}/index.yaml` }).end();
    else if (req.url === '/big') res.end('x'.repeat(5000));
    else if (req.url === '/missing') res.writeHead(404).end();
    else if (req.url === '/hang')
      return; // never answers: the spec.timeout of the repository ends the wait
    else res.end('ok');
  });
  const port = await listen(t, server);
  const auth = { username: 'u', password: 'p' };
  const origin = `http://127.0.0.1:${port}`;
  await httpGet(`${origin}/index.yaml`, { ...opts, auth, credentialsOrigin: origin });
  await httpGet(`${origin}/redirect`, { ...opts, auth, credentialsOrigin: origin });
  assert.deepEqual(seen, [
    `Basic ${Buffer.from('u:p').toString('base64')}`,
    `Basic ${Buffer.from('u:p').toString('base64')}`,
    undefined,
  ]);
  await assert.rejects(
    httpGet(`${origin}/missing`, opts),
    (e: unknown) => e instanceof HttpStatusError && e.status === 404 && /: 404 Not Found$/.test(e.message),
  );
  await assert.rejects(httpGet(`${origin}/big`, opts), SizeLimitError);
  await assert.rejects(
    httpGet(`${origin}/hang`, { ...opts, timeoutMs: 300 }),
    (e: unknown) => e instanceof TransportError && /timeout after 300ms/.test(e.message),
  );
});
