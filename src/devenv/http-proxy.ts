// A small HTTP proxy for tests: forwards absolute-URI requests and tunnels CONNECT, requires Basic
// proxy credentials when configured, and records what it saw (for "went through the proxy" assertions).
import { request as httpRequest, createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

/** One request the proxy answered: the method, the target (URL or host:port), and the status it gave. */
export interface ProxyRequest {
  method: string;
  target: string;
  status: number;
}

/** A running test proxy; `url` is `http://127.0.0.1:<port>`. */
export interface TestProxy {
  url: string;
  readonly requests: readonly ProxyRequest[];
  stop(): Promise<void>;
}

/** Starts the proxy on 127.0.0.1; with `username`/`password` every request must carry them (else 407). */
export async function startTestProxy(opts: { username?: string; password?: string } = {}): Promise<TestProxy> {
  const requests: ProxyRequest[] = [];
  const sockets = new Set<Socket>();
  const expected =
    opts.username === undefined
      ? undefined
      : `Basic ${Buffer.from(`${opts.username}:${opts.password ?? ''}`).toString('base64')}`;
  const authorized = (req: IncomingMessage): boolean =>
    expected === undefined || req.headers['proxy-authorization'] === expected;

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const target = req.url ?? '';
    if (!authorized(req)) {
      requests.push({ method: req.method ?? 'GET', target, status: 407 });
      res.writeHead(407, { 'Proxy-Authenticate': 'Basic realm="proxy"' }).end();
      return;
    }
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      requests.push({ method: req.method ?? 'GET', target, status: 400 });
      res.writeHead(400).end('absolute URL required\n');
      return;
    }
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    delete headers['proxy-connection'];
    const upstream = httpRequest(
      { host: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, method: req.method, headers },
      (up) => {
        requests.push({ method: req.method ?? 'GET', target, status: up.statusCode ?? 0 });
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => {
      requests.push({ method: req.method ?? 'GET', target, status: 502 });
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
    req.pipe(upstream);
  });

  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    const target = req.url ?? '';
    if (!authorized(req)) {
      requests.push({ method: 'CONNECT', target, status: 407 });
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="proxy"\r\n\r\n');
      return;
    }
    const [host = '', port = '443'] = target.split(':');
    const upstream = connect(Number(port), host, () => {
      requests.push({ method: 'CONNECT', target, status: 200 });
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
