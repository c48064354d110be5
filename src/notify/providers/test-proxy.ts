// A forward HTTP proxy on 127.0.0.1 for the transport tests: absolute-URI requests for http targets,
// CONNECT tunnels for https; it records what it saw and is closed when the test ends.
import http from 'node:http';
import type https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';

/** One request the proxy received. */
export interface ProxyLogEntry {
  method: string;
  target: string;
  auth?: string;
}

/** Listens on a free 127.0.0.1 port and closes the server (open connections included) after the test. */
export async function listen(t: TestContext, server: http.Server | https.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return (server.address() as AddressInfo).port;
}

/** Starts the proxy; its URL carries the credentials `alice` / `s3cret!` the tests expect in Proxy-Authorization. */
export async function startTestProxy(t: TestContext): Promise<{ url: string; log: ProxyLogEntry[] }> {
  const log: ProxyLogEntry[] = [];
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

/** The Proxy-Authorization value for `user` / `pass`. */
export const basicAuth = (user: string, pass: string): string =>
  `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
