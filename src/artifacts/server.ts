// Read-only HTTP file server for stored artifacts (source-controller's `--storage-addr` server).
import { createReadStream } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { Hono } from 'hono';
import type { Context } from 'hono';
import { startHttpServer } from '../runtime/http-server.ts';
import type { ArtifactStorage } from './storage.ts';
import { errnoCode } from './errors.ts';

/** Options of `startArtifactServer`. */
export interface ArtifactServerOptions {
  storage: ArtifactStorage;
  /** Interface to bind (default `127.0.0.1`; use `0.0.0.0` to serve other pods like Flux's `:9090`). */
  host?: string;
  /** Port to bind; 0 picks a free one. */
  port: number;
}

/** A running artifact server. */
export interface ArtifactServer {
  /** The bound port. */
  port: number;
  /** Base URL, e.g. `http://127.0.0.1:9090`. */
  url: string;
  /** Stops accepting connections and closes open ones. */
  close(): Promise<void>;
}

/**
 * Returns a Hono app serving GET/HEAD `/<storage path>` from the storage root: 400 for paths that
 * decode to `..`, `.`, backslashes, NUL or empty segments, 404 for anything that is not a regular
 * file, otherwise the file streamed (`application/gzip` for `.tar.gz`/`.tgz`).
 */
export function artifactRoutes(storage: ArtifactStorage): Hono {
  const app = new Hono();
  app.on(['GET', 'HEAD'], '*', (c) => serveFile(c, storage));
  app.all('*', (c) => c.text('method not allowed\n', 405, { Allow: 'GET, HEAD' }));
  return app;
}

/** Starts `artifactRoutes(storage)` on `host:port` and resolves once it is listening. */
export async function startArtifactServer(opts: ArtifactServerOptions): Promise<ArtifactServer> {
  const host = opts.host ?? '127.0.0.1';
  const addr = `${host.includes(':') ? `[${host}]` : host}:${opts.port}`;
  const running = await startHttpServer({ app: artifactRoutes(opts.storage), addr });
  return { port: running.port, url: running.url, close: running.close };
}

async function serveFile(c: Context, storage: ArtifactStorage): Promise<Response> {
  const relPath = decodeStoragePath(c.req.raw.url);
  if (relPath === undefined) return c.text('invalid artifact path\n', 400);
  let local: string;
  try {
    local = storage.localPath(relPath);
  } catch {
    return c.text('invalid artifact path\n', 400);
  }
  // lstat: only regular files the storage wrote are served, never whatever a symlink points at.
  const info = await lstat(local).catch((err: unknown) => {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return undefined;
    throw err;
  });
  if (info === undefined || !info.isFile()) return c.text('artifact not found\n', 404);
  const headers = {
    'Content-Type': contentType(relPath),
    'Content-Length': String(info.size),
    'Last-Modified': info.mtime.toUTCString(),
    'Cache-Control': 'no-cache',
  };
  if (c.req.method === 'HEAD') return c.body(null, 200, headers);
  const body = Readable.toWeb(createReadStream(local)) as ReadableStream<Uint8Array>;
  return c.body(body, 200, headers);
}

/**
 * Turns the request URL's path into a storage path, decoding each segment on its own so `%2F`
 * cannot smuggle a separator; undefined when any segment is malformed or unsafe.
 */
export function decodeStoragePath(rawUrl: string): string | undefined {
  // The raw target, not URL.pathname: WHATWG parsing would silently resolve `..` and we want to refuse it.
  const withoutOrigin = rawUrl.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '');
  const rawPath = withoutOrigin.split(/[?#]/, 1)[0] ?? '';
  if (!rawPath.startsWith('/')) return undefined;
  const segments: string[] = [];
  for (const raw of rawPath.slice(1).split('/')) {
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      return undefined;
    }
    if (seg === '' || seg === '.' || seg === '..' || /[/\\\0]/.test(seg)) return undefined;
    segments.push(seg);
  }
  return segments.length === 0 ? undefined : segments.join('/');
}

function contentType(relPath: string): string {
  if (relPath.endsWith('.tar.gz') || relPath.endsWith('.tgz')) return 'application/gzip';
  if (relPath.endsWith('.yaml') || relPath.endsWith('.yml')) return 'application/x-yaml';
  return 'application/octet-stream';
}
