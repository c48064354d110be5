import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeApiError } from './errors.ts';

/** One HTTP request to the API server. */
export interface RawRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
  contentType?: string;
  accept?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Observes every finished request (for `rest_client_requests_total`). */
export type RequestObserver = (info: { method: string; code: number; durationMs: number }) => void;

/** Sends requests with the kubeconfig's credentials; keeps one keep-alive agent per transport. */
export class ApiTransport {
  readonly server: URL;
  private readonly kubeConfig: KubeConfig;
  private readonly agent: http.Agent;
  private readonly observer: RequestObserver | undefined;
  private readonly tokens: { available: number; last: number };
  private readonly qps: number;
  private readonly burst: number;

  constructor(opts: { kubeConfig: KubeConfig; observer?: RequestObserver; qps?: number; burst?: number }) {
    const cluster = opts.kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster: set current-context or pass --kubeconfig');
    this.kubeConfig = opts.kubeConfig;
    this.server = new URL(cluster.server);
    this.agent =
      this.server.protocol === 'https:'
        ? new https.Agent({ keepAlive: true, maxSockets: 64 })
        : new http.Agent({ keepAlive: true, maxSockets: 64 });
    this.observer = opts.observer;
    this.qps = opts.qps ?? 50;
    this.burst = opts.burst ?? 300;
    this.tokens = { available: this.burst, last: Date.now() };
  }

  /** Client-side rate limit (token bucket), like client-go's QPS/burst. */
  private async throttle(): Promise<void> {
    for (;;) {
      const now = Date.now();
      this.tokens.available = Math.min(
        this.burst,
        this.tokens.available + ((now - this.tokens.last) / 1000) * this.qps,
      );
      this.tokens.last = now;
      if (this.tokens.available >= 1) {
        this.tokens.available -= 1;
        return;
      }
      await new Promise((r) => setTimeout(r, Math.ceil(((1 - this.tokens.available) / this.qps) * 1000)));
    }
  }

  /** Opens a request and returns the live response (the caller consumes the body). */
  async open(req: RawRequest): Promise<{ res: http.IncomingMessage; started: number }> {
    await this.throttle();
    const url = new URL(this.server.toString().replace(/\/$/, '') + req.path);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    const options: https.RequestOptions = {
      method: req.method,
      agent: this.agent,
      headers: { Accept: req.accept ?? 'application/json', 'User-Agent': 'driftless', ...req.headers },
    };
    await this.kubeConfig.applyToHTTPSOptions(options);
    const payload =
      req.body === undefined
        ? undefined
        : Buffer.from(typeof req.body === 'string' ? req.body : JSON.stringify(req.body));
    if (payload) {
      options.headers = {
        ...options.headers,
        'Content-Type': req.contentType ?? 'application/json',
        'Content-Length': payload.length,
      };
    }
    const started = Date.now();
    const lib = url.protocol === 'https:' ? https : http;
    return await new Promise((resolve, reject) => {
      const r = lib.request(url, { ...options, signal: req.signal }, (res) => resolve({ res, started }));
      if (req.timeoutMs) {
        r.setTimeout(req.timeoutMs, () =>
          r.destroy(new Error(`request timed out after ${req.timeoutMs}ms: ${req.method} ${req.path}`)),
        );
      }
      r.on('error', (err) => {
        this.observer?.({ method: req.method, code: 0, durationMs: Date.now() - started });
        reject(
          new KubeApiError({
            status: 0,
            reason: 'NetworkError',
            message: `${req.method} ${req.path}: ${err.message}`,
            cause: err,
          }),
        );
      });
      if (payload) r.write(payload);
      r.end();
    });
  }

  /** Sends a request and reads the whole JSON answer; non-2xx answers become KubeApiError. */
  async send<T>(req: RawRequest): Promise<T> {
    const { res, started } = await this.open({ timeoutMs: 60_000, ...req });
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const code = res.statusCode ?? 0;
    this.observer?.({ method: req.method, code, durationMs: Date.now() - started });
    if (code < 200 || code >= 300) throw toApiError(code, text, req);
    return (text ? JSON.parse(text) : {}) as T;
  }
}

/** Turns a non-2xx answer into a KubeApiError that keeps the server's message. */
export function toApiError(code: number, text: string, req: { method: string; path: string }): KubeApiError {
  let status: { message?: string; reason?: string; details?: unknown } = {};
  try {
    status = JSON.parse(text) as typeof status;
  } catch {
    status = { message: text.slice(0, 500) };
  }
  return new KubeApiError({
    status: code,
    reason: status.reason ?? '',
    message: status.message || `${req.method} ${req.path}: HTTP ${code}`,
    details: status.details,
  });
}
