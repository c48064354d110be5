// TLS to notification targets (private CA, mutual TLS, CONNECT tunnels) with certificates made by openssl.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { ensurePki } from '../../devenv/control-plane/pki.ts';
import { makeEvent } from '../alerts/test-events.ts';
import { NotificationError, NotificationReasons } from './errors.ts';
import { createNotifier } from './registry.ts';
import { basicAuth, listen, startTestProxy } from './test-proxy.ts';
import { nodeFetch } from '../../util/http-transport.ts';

interface Tls {
  ca: string;
  cert: string;
  key: string;
  clientCert: string;
  clientKey: string;
}

let pki: Promise<Tls> | undefined;
/** One CA, serving certificate (127.0.0.1, localhost) and client certificate (CN=admin) for the file. */
function tlsFiles(t: TestContext): Promise<Tls> {
  pki ??= (async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'driftless-notify-tls-'));
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
  })();
  return pki;
}

async function httpsTarget(t: TestContext, opts: { mtls?: boolean } = {}) {
  const files = await tlsFiles(t);
  const seen: { path: string; clientCn?: string }[] = [];
  const server = https.createServer(
    { cert: files.cert, key: files.key, ca: files.ca, requestCert: opts.mtls, rejectUnauthorized: opts.mtls },
    (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      seen.push({ path: req.url ?? '', clientCn: typeof peer.subject?.CN === 'string' ? peer.subject.CN : undefined });
      req.resume();
      req.on('end', () => res.end('ok'));
    },
  );
  return { port: await listen(t, server), seen, files };
}

void test('https endpoints signed by a private CA need caCert', async (t) => {
  const target = await httpsTarget(t);
  const address = `https://localhost:${target.port}/hook`;
  const err = await createNotifier({ type: 'generic', address, retry: { attempts: 1 } })
    .post(makeEvent())
    .then(
      () => assert.fail('an unknown CA must be rejected'),
      (e: unknown) => e,
    );
  assert.ok(err instanceof NotificationError && err.reason === NotificationReasons.Network, String(err));
  assert.match(err.message, /certificate/i);
  await createNotifier({ type: 'generic', address, caCert: target.files.ca }).post(makeEvent());
  assert.deepEqual(
    target.seen.map((s) => s.path),
    ['/hook'],
  );
});

void test('a client certificate is presented for mutual TLS', async (t) => {
  const target = await httpsTarget(t, { mtls: true });
  const { files } = target;
  const address = `https://127.0.0.1:${target.port}/mtls`;
  await createNotifier({
    type: 'generic',
    address,
    caCert: files.ca,
    clientCert: files.clientCert,
    clientKey: files.clientKey,
  }).post(makeEvent());
  assert.deepEqual(target.seen, [{ path: '/mtls', clientCn: 'admin' }]);
});

void test('https targets are tunnelled with CONNECT and verified end to end', async (t) => {
  const target = await httpsTarget(t);
  const p = await startTestProxy(t);
  const fetchVia = nodeFetch({ proxy: p.url, caCert: target.files.ca });
  const res = await fetchVia(`https://localhost:${target.port}/tunnel`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
    signal: AbortSignal.timeout(10_000),
  });
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'ok');
  assert.deepEqual(p.log, [
    { method: 'CONNECT', target: `localhost:${target.port}`, auth: basicAuth('alice', 's3cret!') },
  ]);
  assert.deepEqual(
    target.seen.map((s) => s.path),
    ['/tunnel'],
  );
});
