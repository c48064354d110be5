import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { ensurePki } from '../../devenv/control-plane/pki.ts';
import { makeEvent } from '../alerts/test-events.ts';
import { NotificationError, NotificationReasons } from './errors.ts';
import { createNotifier } from './registry.ts';
import { nodeFetch } from './transport.ts';

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

async function listen(t: TestContext, server: http.Server | https.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return (server.address() as AddressInfo).port;
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

/** An HTTP proxy: absolute-URI requests for http targets, CONNECT tunnels for https; records what it saw. */
async function proxy(t: TestContext) {
  const log: { method: string; target: string; auth?: string }[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    log.push({ method: req.method ?? '', target: req.url ?? '', auth: req.headers['proxy-authorization'] });
    const url = new URL(req.url ?? '');
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    const upstream = http.request(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, method: req.method, headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    req.pipe(upstream);
  });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket) => {
    log.push({ method: 'CONNECT', target: req.url ?? '', auth: req.headers['proxy-authorization'] });
    const [host = '', port = ''] = (req.url ?? '').split(':');
    const upstream = net.connect(Number(port), host === 'localhost' ? '127.0.0.1' : host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.pipe(client);
      client.pipe(upstream);
    });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => s.destroy());
    }
  });
  t.after(() => {
    for (const s of sockets) s.destroy();
  });
  return { url: `http://alice:s3cret%21@127.0.0.1:${await listen(t, server)}`, log };
}

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

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

void test('http targets go through the proxy as absolute URIs with Proxy-Authorization', async (t) => {
  const hits: string[] = [];
  const target = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    req.resume();
    req.on('end', () => res.end('{}'));
  });
  const port = await listen(t, target);
  const p = await proxy(t);
  await createNotifier({ type: 'generic', address: `http://127.0.0.1:${port}/via-proxy`, proxy: p.url }).post(
    makeEvent(),
  );
  assert.deepEqual(p.log, [
    { method: 'POST', target: `http://127.0.0.1:${port}/via-proxy`, auth: basic('alice', 's3cret!') },
  ]);
  assert.deepEqual(hits, ['/via-proxy']);
});

void test('https targets are tunnelled with CONNECT and verified end to end', async (t) => {
  const target = await httpsTarget(t);
  const p = await proxy(t);
  const fetchVia = nodeFetch({ proxy: p.url, caCert: target.files.ca });
  const res = await fetchVia(`https://localhost:${target.port}/tunnel`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
    signal: AbortSignal.timeout(10_000),
  });
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'ok');
  assert.deepEqual(p.log, [{ method: 'CONNECT', target: `localhost:${target.port}`, auth: basic('alice', 's3cret!') }]);
  assert.deepEqual(
    target.seen.map((s) => s.path),
    ['/tunnel'],
  );
});

void test('proxy credentials never appear in errors, and https proxies are refused clearly', async (t) => {
  const p = await proxy(t);
  const err = await createNotifier({
    type: 'generic',
    address: 'http://127.0.0.1:9/unreachable',
    proxy: p.url.replace(/:\d+$/, ':9'),
    retry: { attempts: 1 },
  })
    .post(makeEvent())
    .then(
      () => assert.fail('expected failure'),
      (e: unknown) => e,
    );
  assert.ok(err instanceof NotificationError);
  assert.equal(err.message.includes('s3cret'), false, err.message);
  assert.throws(() => nodeFetch({ proxy: 'https://proxy.example:443' }), /use an http:\/\/ proxy URL/);
});
