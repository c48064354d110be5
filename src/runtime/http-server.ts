import { serve, type ServerType } from '@hono/node-server';
import type { Hono } from 'hono';

/** Parses `host:port`, `:port` (all interfaces) or `port`. Port 0 picks a free port. */
export function parseAddress(addr: string): { host: string; port: number } {
  const i = addr.lastIndexOf(':');
  const host = i <= 0 ? '0.0.0.0' : addr.slice(0, i).replace(/^\[|\]$/g, '');
  const port = Number(i < 0 ? addr : addr.slice(i + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`invalid address "${addr}": expected host:port or :port`);
  return { host, port };
}

export interface RunningServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

/** Serves a Hono app on `addr`; resolves once listening. */
export async function listen(app: Hono, addr: string): Promise<RunningServer> {
  const { host, port } = parseAddress(addr);
  return await new Promise((resolve, reject) => {
    let server: ServerType | undefined = undefined;
    server = serve({ fetch: app.fetch, port, hostname: host }, (info) => {
      const s = server!;
      s.off('error', reject);
      const shownHost = host === '0.0.0.0' ? '127.0.0.1' : host;
      resolve({
        port: info.port,
        url: `http://${shownHost}:${info.port}`,
        close: () =>
          new Promise((r) => {
            (s as { closeAllConnections?: () => void }).closeAllConnections?.();
            s.close(() => r());
          }),
      });
    });
    server.once('error', reject);
  });
}
