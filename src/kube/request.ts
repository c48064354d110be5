import http from 'node:http';
import https from 'node:https';
import { setTimeout as delay } from 'node:timers/promises';
import type { KubeConfig } from '@kubernetes/client-node';
import { ClusterConnection } from './connection.ts';
import { KubeApiError } from './errors.ts';
import { RequestPacer, type Pacing } from './pacing.ts';

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

/** Options of an ApiTransport; every default is client-go's unless said otherwise. */
export interface ApiTransportOptions {
  kubeConfig: KubeConfig;
  observer?: RequestObserver;
  /** Client-side limit (default 50 QPS, burst 300, Flux's defaults); used only without APF (see RequestPacer). */
  qps?: number;
  burst?: number;
  /** Retries of an answer that says when to come back (429, or 5xx with `Retry-After`); default 10. */
  maxRetries?: number;
  /** The longest one `Retry-After` wait honoured (default 60 s), so a wrong header cannot stall a worker. */
  maxRetryAfterMs?: number;
  /** Waits (resolving early when `signal` aborts); injectable for tests. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** The limiter's clock; injectable for tests. */
  now?: () => number;
}

/** Waits `ms`, or less when `signal` aborts; never rejects. */
const abortableSleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  delay(ms, undefined, signal ? { signal } : {}).then(
    () => undefined,
    () => undefined,
  );

/**
 * Sends requests with the kubeconfig's credentials over one pooled keep-alive agent (ClusterConnection),
 * paced as Flux paces them (RequestPacer), and retries answers that carry `Retry-After` as client-go does.
 */
export class ApiTransport {
  readonly server: URL;
  private readonly connection: ClusterConnection;
  private readonly observer: RequestObserver | undefined;
  private readonly pacer: RequestPacer;
  private readonly maxRetries: number;
  private readonly maxRetryAfterMs: number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(opts: ApiTransportOptions) {
    this.connection = new ClusterConnection({ kubeConfig: opts.kubeConfig });
    this.server = this.connection.server;
    this.observer = opts.observer;
    this.pacer = new RequestPacer({ qps: opts.qps ?? 50, burst: opts.burst ?? 300, now: opts.now ?? Date.now });
    this.maxRetries = opts.maxRetries ?? 10;
    this.maxRetryAfterMs = opts.maxRetryAfterMs ?? 60_000;
    this.sleep = opts.sleep ?? abortableSleep;
  }

  /** Who paces requests: `undecided` until the first answer, then `server` (APF) or `client`. */
  get pacing(): Pacing {
    return this.pacer.pacing;
  }

  /** Opens a request and returns the live response (the caller consumes the body). Not retried. */
  async open(req: RawRequest): Promise<{ res: http.IncomingMessage; started: number }> {
    const wait = this.pacer.delay();
    if (wait > 0) await this.sleep(wait, req.signal);
    const url = new URL(this.server.toString().replace(/\/$/, '') + req.path);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    const { agent, headers: credentials } = await this.connection.prepare();
    const payload =
      req.body === undefined
        ? undefined
        : Buffer.from(typeof req.body === 'string' ? req.body : JSON.stringify(req.body));
    const options: https.RequestOptions = {
      method: req.method,
      agent,
      headers: {
        ...credentials,
        Accept: req.accept ?? 'application/json',
        'User-Agent': 'driftless',
        ...req.headers,
        ...(payload ? { 'Content-Type': req.contentType ?? 'application/json', 'Content-Length': payload.length } : {}),
      },
    };
    const started = Date.now();
    const lib = url.protocol === 'https:' ? https : http;
    return await new Promise((resolve, reject) => {
      const r = lib.request(url, { ...options, signal: req.signal }, (res) => {
        this.pacer.observe(res.statusCode ?? 0, res.headers);
        resolve({ res, started });
      });
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

  /**
   * Sends a request and reads the whole JSON answer; non-2xx answers become KubeApiError. An answer that
   * says when to come back (429, or 5xx with `Retry-After` in seconds) is retried after that wait, at
   * most `maxRetries` times, as client-go does; an abort of `req.signal` ends the wait, and the last
   * answer is thrown when retries run out.
   */
  async send<T>(req: RawRequest): Promise<T> {
    for (let retries = 0; ; retries++) {
      const { res, started } = await this.open({ timeoutMs: 60_000, ...req });
      const chunks: Buffer[] = [];
      for await (const chunk of res) chunks.push(chunk as Buffer);
      const text = Buffer.concat(chunks).toString('utf8');
      const code = res.statusCode ?? 0;
      this.observer?.({ method: req.method, code, durationMs: Date.now() - started });
      if (code >= 200 && code < 300) return (text ? JSON.parse(text) : {}) as T;
      const err = toApiError(code, text, req, res.headers);
      const wait = err.retryAfterMs;
      if (wait === undefined || !(code === 429 || code >= 500) || retries >= this.maxRetries) throw err;
      await this.sleep(Math.min(wait, this.maxRetryAfterMs), req.signal);
      if (req.signal?.aborted) throw err;
    }
  }
}

/** `Retry-After` in whole seconds (the form the API server sends), as milliseconds. */
export function retryAfterMs(headers: http.IncomingHttpHeaders): number | undefined {
  const value = headers['retry-after'];
  return value !== undefined && /^\d+$/.test(value.trim()) ? Number(value) * 1000 : undefined;
}

/** Turns a non-2xx answer into a KubeApiError that keeps the server's message and its `Retry-After`. */
export function toApiError(
  code: number,
  text: string,
  req: { method: string; path: string },
  headers: http.IncomingHttpHeaders = {},
): KubeApiError {
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
    retryAfterMs: retryAfterMs(headers),
  });
}
