// Request limits shared by the receiver server and the event intake: the body cap read without
// buffering more than the cap, and a Node HTTP server with notification-controller's timeouts.
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { parseAddress } from '../../runtime/http-server.ts';

/** notification-controller's body cap for webhooks and events: 3 MiB. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

/** Server limits; defaults are notification-controller's (`internal/server/limits.go`). */
export interface HttpLimits {
  /** Time allowed to receive all request headers, default 10 s. */
  headersTimeoutMs: number;
  /** Time allowed to receive the whole request, default 30 s. */
  requestTimeoutMs: number;
  /** Largest accepted header block, default 256 KiB (larger gets 431). */
  maxHeaderBytes: number;
  /** How often Node checks the two timeouts, default 1 s (Node's own 30 s would stretch a 10 s limit to 40 s). */
  connectionsCheckingIntervalMs: number;
}

/** The defaults of {@link HttpLimits}. */
export const DEFAULT_HTTP_LIMITS: Readonly<HttpLimits> = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  maxHeaderBytes: 256 * 1024,
  connectionsCheckingIntervalMs: 1_000,
};

/** Outcome of reading a capped body. */
export type BodyResult = { ok: true; body: Buffer } | { ok: false; status: 400 | 413; reason: string };

/**
 * Reads a request body of at most `maxBytes`. A Content-Length above the cap is refused before any byte
 * is read; a chunked or lying stream is counted and abandoned as soon as it passes the cap (413).
 */
export async function readBodyWithLimit(req: Request, maxBytes: number = MAX_BODY_BYTES): Promise<BodyResult> {
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

/** A listening server; `close()` drops open connections and resolves once closed. */
export interface RunningHttpServer {
  port: number;
  url: string;
  server: Server;
  close(): Promise<void>;
}

/**
 * Serves a Hono app (anything with `fetch`) on `addr` (`host:port`, `:port`; port 0 picks one) with
 * {@link DEFAULT_HTTP_LIMITS} overridden by `limits`. Resolves once listening; rejects if binding fails.
 */
export async function startHardenedServer(opts: {
  app: { fetch: (req: Request) => Response | Promise<Response> };
  addr: string;
  limits?: Partial<HttpLimits>;
}): Promise<RunningHttpServer> {
  const limits = { ...DEFAULT_HTTP_LIMITS, ...opts.limits };
  const { host, port } = parseAddress(opts.addr);
  return await new Promise((resolve, reject) => {
    const server = serve(
      {
        fetch: (req) => opts.app.fetch(req),
        port,
        hostname: host,
        serverOptions: {
          headersTimeout: limits.headersTimeoutMs,
          requestTimeout: limits.requestTimeoutMs,
          maxHeaderSize: limits.maxHeaderBytes,
          connectionsCheckingInterval: limits.connectionsCheckingIntervalMs,
        },
      },
      (info) => {
        server.off('error', reject);
        const shownHost = host === '0.0.0.0' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
        resolve({
          port: info.port,
          url: `http://${shownHost}:${info.port}`,
          server,
          close: () =>
            new Promise<void>((done) => {
              server.closeAllConnections();
              server.close(() => done());
            }),
        });
      },
    ) as Server;
    server.once('error', reject);
  });
}
