// The one way this process serves HTTP: a fetch-style app (Hono) on an address, with optional
// request limits, a capped body reader, and a close that ends open connections.
import type { Server, ServerResponse } from 'node:http';
import { serve } from '@hono/node-server';

/** Parses `host:port`, `:port` (all interfaces) or `port`. Port 0 picks a free port. */
export function parseAddress(addr: string): { host: string; port: number } {
  const i = addr.lastIndexOf(':');
  const host = i <= 0 ? '0.0.0.0' : addr.slice(0, i).replace(/^\[|\]$/g, '');
  const port = Number(i < 0 ? addr : addr.slice(i + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`invalid address "${addr}": expected host:port or :port`);
  return { host, port };
}

/** Request limits of a server; each one left out keeps Node's default. */
export interface HttpLimits {
  /** Time allowed to receive all request headers (Node: 60 s). */
  headersTimeoutMs: number;
  /** Time allowed to receive the whole request (Node: 300 s). */
  requestTimeoutMs: number;
  /** Largest accepted header block; larger gets 431 (Node: 16 KiB). */
  maxHeaderBytes: number;
  /** How often Node checks the two timeouts (Node: 30 s, which stretches a 10 s limit to 40 s). */
  connectionsCheckingIntervalMs: number;
}

/** Options of {@link startHttpServer}. */
export interface HttpServerOptions {
  /** Anything with a fetch handler, usually a Hono app. */
  app: { fetch: (req: Request) => Response | Promise<Response> };
  /** `host:port`, `:port` (all interfaces) or `port`; port 0 picks a free one. */
  addr: string;
  /** Request limits; Node's defaults for those left out. */
  limits?: Partial<HttpLimits>;
  /**
   * On close, how long requests in flight may take to finish before their connections are cut;
   * default 0 (cut at once). Idle keep-alive connections are always closed at once.
   */
  drainMs?: number;
}

/** A listening server. */
export interface RunningServer {
  /** The bound port (the real one when the address asked for port 0). */
  port: number;
  /** Base URL a local client can use: `http://127.0.0.1:<port>` for a server on all interfaces. */
  url: string;
  server: Server;
  /** Stops accepting, ends open connections (see `drainMs`) and resolves once closed; safe to call twice. */
  close(): Promise<void>;
}

/** Serves `opts.app` on `opts.addr` with `opts.limits`; resolves once listening, rejects if binding fails. */
export async function startHttpServer(opts: HttpServerOptions): Promise<RunningServer> {
  const { host, port } = parseAddress(opts.addr);
  const limits = opts.limits ?? {};
  const serverOptions = {
    ...(limits.headersTimeoutMs === undefined ? {} : { headersTimeout: limits.headersTimeoutMs }),
    ...(limits.requestTimeoutMs === undefined ? {} : { requestTimeout: limits.requestTimeoutMs }),
    ...(limits.maxHeaderBytes === undefined ? {} : { maxHeaderSize: limits.maxHeaderBytes }),
    ...(limits.connectionsCheckingIntervalMs === undefined
      ? {}
      : { connectionsCheckingInterval: limits.connectionsCheckingIntervalMs }),
  };
  return await new Promise((resolve, reject) => {
    let closing: Promise<void> | undefined;
    const server = serve({ fetch: (req) => opts.app.fetch(req), port, hostname: host, serverOptions }, (info) => {
      server.off('error', reject);
      const shownHost = host === '0.0.0.0' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
      resolve({
        port: info.port,
        url: `http://${shownHost}:${info.port}`,
        server,
        close: () => (closing ??= closeServer(server, opts.drainMs ?? 0)),
      });
    }) as Server;
    server.once('error', reject);
    // While draining, a connection whose request just finished is idle: end it so close() can complete
    // (setImmediate: Node detaches the response from its socket in its own 'finish' handler).
    server.on('request', (_req, res: ServerResponse) =>
      res.once('finish', () => {
        if (closing) setImmediate(() => server.closeIdleConnections());
      }),
    );
  });
}

/** Serves a Hono app on `addr` with Node's limits; {@link startHttpServer} with no options. */
export async function listen(app: HttpServerOptions['app'], addr: string): Promise<RunningServer> {
  return await startHttpServer({ app, addr });
}

function closeServer(server: Server, drainMs: number): Promise<void> {
  return new Promise((resolve) => {
    // close() waits for every connection, so the ones still open must be ended for it to finish.
    server.close(() => resolve());
    server.closeIdleConnections();
    if (drainMs <= 0) {
      server.closeAllConnections();
      return;
    }
    const cut = setTimeout(() => server.closeAllConnections(), drainMs);
    server.once('close', () => clearTimeout(cut));
  });
}

/** Outcome of reading a capped body. */
export type BodyResult = { ok: true; body: Buffer } | { ok: false; status: 400 | 413; reason: string };

/**
 * Reads a request body of at most `maxBytes`. A Content-Length above the cap is refused before any byte
 * is read; a chunked or lying stream is counted and abandoned as soon as it passes the cap (413).
 */
export async function readBodyWithLimit(req: Request, maxBytes: number): Promise<BodyResult> {
  const tooLarge = {
    ok: false,
    status: 413,
    reason: `request body exceeds the maximum size of ${maxBytes} bytes`,
  } as const;
  const declared = Number(req.headers.get('content-length') ?? '0');
  if (Number.isFinite(declared) && declared > maxBytes) return tooLarge;
  if (!req.body) return { ok: true, body: Buffer.alloc(0) };
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        // The rest is left unread; @hono/node-server drains briefly after the response, then closes the socket.
        reader.releaseLock();
        return tooLarge;
      }
      chunks.push(value);
    }
  } catch (err) {
    return { ok: false, status: 400, reason: `reading the request body failed: ${(err as Error).message}` };
  }
  return { ok: true, body: Buffer.concat(chunks, total) };
}
