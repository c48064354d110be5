import { readFile } from 'node:fs/promises';
import { request } from 'node:https';
import type { Pki } from './pki.ts';

/** The status and raw body of one API server response. */
export type ApiResponse = { status: number; body: string };

/** A tiny admin client for the readiness probes; it only needs GET and POST. */
export type ApiClient = {
  get(path: string): Promise<ApiResponse>;
  post(path: string, body: unknown): Promise<ApiResponse>;
};

/** Builds an admin (system:masters) client for `server`; each request times out after `timeoutMs` (default 5 s). */
export async function adminClient(opts: { server: string; pki: Pki; timeoutMs?: number }): Promise<ApiClient> {
  const [ca, cert, key] = await Promise.all([
    readFile(opts.pki.caCert),
    readFile(opts.pki.adminCert),
    readFile(opts.pki.adminKey),
  ]);
  const timeout = opts.timeoutMs ?? 5_000;
  const send = (method: string, path: string, body?: unknown): Promise<ApiResponse> =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        new URL(path, opts.server),
        {
          method,
          ca,
          cert,
          key,
          timeout,
          headers: payload ? { 'content-type': 'application/json', accept: 'application/json' } : {},
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out after ${timeout} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  return { get: (path) => send('GET', path), post: (path, body) => send('POST', path, body) };
}
