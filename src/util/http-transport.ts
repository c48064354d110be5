// A minimal fetch over node:http/https that can trust an extra CA, present a client certificate and
// go through an HTTP proxy (CONNECT for https), which the global fetch cannot do without undici. Used by
// the notification providers (bounded bodies) and the OCI registry client (streamed bodies); its
// TunnelAgent carries the S3 client's pooled connections through a proxy. Redirects
// are never followed: the caller sees the 3xx, as with `redirect: 'manual'`.
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { Readable, type Duplex } from 'node:stream';
import tls from 'node:tls';

/** The fetch subset `nodeFetch` implements; the global `fetch` satisfies it too. */
export type NodeFetch = (
  url: string,
  init: {
    method?: string;
    headers?: Record<string, string>;
    body?: string | Uint8Array<ArrayBuffer>;
    signal?: AbortSignal;
  },
) => Promise<Response>;

/** TLS and proxy settings of `nodeFetch`. */
export interface TransportOptions {
  /** PEM bundle trusted in addition to Node's root store. */
  caCert?: string | undefined;
  clientCert?: string | undefined;
  clientKey?: string | undefined;
  /** `http://[user:pass@]host:port`; `https:` proxies are not supported. */
  proxy?: string | undefined;
  /** Largest response body kept, in bytes; the rest is discarded. Default 1 MiB. Ignored with `stream`. */
  maxResponseBytes?: number;
  /** Hand the body over as it arrives (the caller caps it) instead of buffering it. */
  stream?: boolean;
  /** Accept any server certificate (OCIRepository `insecure` without a CA, as Flux; nowhere else). */
  skipVerify?: boolean;
}

const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/**
 * A fetch over node:http(s). Rejects with the socket error (the caller classifies it) or with the
 * signal's reason when aborted. Buffered response bodies beyond `maxResponseBytes` are truncated.
 */
export function nodeFetch(options: TransportOptions = {}): NodeFetch {
  const proxy = options.proxy ? new URL(options.proxy) : undefined;
  const ca = options.caCert ? [...tls.rootCertificates, options.caCert] : undefined;
  const tlsOptions = {
    ca,
    cert: options.clientCert,
    key: options.clientKey,
    ...(options.skipVerify ? { rejectUnauthorized: false } : {}),
  };
  const maxBytes = options.maxResponseBytes ?? 1024 * 1024;
  // Throws for an https: proxy. Without keep-alive a tunnel carries one request and closes with its
  // response, not at the proxy's idle timeout.
  const tunnelAgent = proxy ? new TunnelAgent(proxy, { ...tlsOptions, keepAlive: false }) : undefined;

  return async (url, init) => {
    const target = new URL(url);
    const secure = target.protocol === 'https:';
    if (!secure && target.protocol !== 'http:') throw new Error(`unsupported URL scheme ${target.protocol}`);
    const headers: Record<string, string> = { ...init.headers };
    if (init.body !== undefined) headers['content-length'] = String(Buffer.byteLength(init.body));
    const port = Number(target.port) || (secure ? 443 : 80);
    let request: http.ClientRequest;
    if (tunnelAgent && secure) {
      request = https.request({
        method: init.method,
        host: target.hostname,
        port,
        path: target.pathname + target.search,
        headers,
        agent: tunnelAgent,
        signal: init.signal,
      });
    } else if (proxy) {
      const auth = proxyAuthorization(proxy);
      request = http.request({
        method: init.method,
        host: proxy.hostname,
        port: Number(proxy.port) || 80,
        path: target.href,
        headers: { ...headers, host: target.host, ...(auth ? { 'proxy-authorization': auth } : {}) },
        signal: init.signal,
      });
    } else {
      const options = {
        method: init.method,
        host: target.hostname,
        port,
        path: target.pathname + target.search,
        headers,
        signal: init.signal,
      };
      request = secure ? https.request({ ...options, ...tlsOptions, agent: false }) : http.request(options);
    }
    const response = await send(request, init.body);
    const status = response.statusCode ?? 0;
    const out = new Headers();
    for (const [k, v] of Object.entries(response.headers)) {
      if (v !== undefined) out.set(k, Array.isArray(v) ? v.join(', ') : v);
    }
    const init2 = { status, statusText: response.statusMessage ?? '', headers: out };
    if (NULL_BODY_STATUSES.has(status)) {
      response.resume();
      return new Response(null, init2);
    }
    if (options.stream) return new Response(Readable.toWeb(response) as ReadableStream<Uint8Array>, init2);
    return new Response(new Uint8Array(await readCapped(response, maxBytes)), init2);
  };
}

function serverName(host: string): string | undefined {
  return isIP(host) ? undefined : host;
}

/** The `Proxy-Authorization` value for the credentials of a proxy URL; undefined without a username. */
export function proxyAuthorization(proxy: URL): string | undefined {
  if (!proxy.username) return undefined;
  const user = decodeURIComponent(proxy.username);
  const pass = decodeURIComponent(proxy.password);
  return `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
}

/**
 * An https.Agent whose connections are CONNECT tunnels through an http:// proxy (with the proxy URL's
 * credentials), TLS on top with the agent's and request's options (CA, client certificate, SNI). With
 * `keepAlive` the tunnelled TLS sockets are pooled like any agent's.
 */
export class TunnelAgent extends https.Agent {
  private readonly proxy: URL;

  constructor(proxy: URL, options: https.AgentOptions = {}) {
    super(options);
    if (proxy.protocol !== 'http:') {
      throw new Error(`proxy ${proxy.protocol}//${proxy.host} is not supported: use an http:// proxy URL`);
    }
    this.proxy = proxy;
  }

  override createConnection(
    options: https.RequestOptions,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    const host = options.hostname ?? options.host ?? 'localhost';
    const port = Number(options.port) || 443;
    connectTunnel(this.proxy, host, port, options.signal).then(
      (socket) => {
        // SNI names a host, never an IP address (RFC 6066), whatever the agent computed.
        const servername = serverName(options.servername || host);
        const { ca, cert, key, rejectUnauthorized } = options;
        const verify = rejectUnauthorized === false ? { rejectUnauthorized: false } : {};
        // `host` is what the certificate is checked against (the socket is already connected).
        const sni = servername ? { servername } : {};
        callback?.(null, tls.connect({ ca, cert, key, socket, host, ...verify, ...sni }));
      },
      (err: Error) => callback?.(err, null as never),
    );
    return undefined;
  }
}

function connectTunnel(proxy: URL, host: string, port: number, signal: AbortSignal | undefined): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const auth = proxyAuthorization(proxy);
    const req = http.request({
      method: 'CONNECT',
      host: proxy.hostname,
      port: Number(proxy.port) || 80,
      path: `${host}:${port}`,
      headers: { host: `${host}:${port}`, ...(auth ? { 'proxy-authorization': auth } : {}) },
      signal,
    });
    req.once('connect', (res, socket) => {
      if (res.statusCode === 200) return resolve(socket);
      socket.destroy();
      reject(new Error(`proxy refused CONNECT with HTTP ${res.statusCode ?? 0}`));
    });
    req.once('error', reject);
    req.end();
  });
}

function send(
  request: http.ClientRequest,
  body: string | Uint8Array<ArrayBuffer> | undefined,
): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    request.once('response', resolve);
    request.once('error', reject);
    request.end(body);
  });
}

function readCapped(response: http.IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    response.on('data', (chunk: Buffer) => {
      if (size >= maxBytes) return;
      chunks.push(chunk.subarray(0, maxBytes - size));
      size += chunk.length;
    });
    response.once('end', () => resolve(Buffer.concat(chunks)));
    response.once('error', reject);
    response.once('close', () => {
      if (!response.complete) reject(new Error('connection closed before the response was complete'));
    });
  });
}
