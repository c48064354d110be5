// A small S3 client for what a Bucket source needs: does the bucket exist, list its objects (ListObjectsV2,
// page by page), download an object to a file (streamed, capped), plus put/create for tests and tooling.
// Requests are path-style and signed with AWS Signature V4 (the aws4 library); anonymous without keys.
import { createWriteStream } from 'node:fs';
import http from 'node:http';
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import https from 'node:https';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type * as Aws4 from 'aws4';
import { proxyAuthorization, TunnelAgent } from '../../util/http-transport.ts';
import { lazyModule } from '../../util/lazy-module.ts';
import { BucketEndpointError, BucketError } from './errors.ts';
import { trimEtag } from './revision.ts';
import {
  headError,
  ok,
  parseListPage,
  readBody,
  responseError,
  tooLarge,
  transportError,
  type S3Object,
} from './s3-response.ts';

export type { S3Object } from './s3-response.ts';

/** Static credentials (`accesskey`/`secretkey` of the Bucket's Secret). */
export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** Options of `S3Client`. */
export interface S3ClientOptions {
  /** `host[:port]`, no scheme (as Flux's `spec.endpoint`). */
  endpoint: string;
  /** Plain HTTP instead of HTTPS (`spec.insecure`). */
  insecure?: boolean;
  /**
   * Signing region. Without one, requests start as `us-east-1` and switch once to the region a server
   * names in a "wrong region" answer, as minio-go's bucket-location lookup does under Flux.
   */
  region?: string;
  /** Absent: anonymous requests. */
  credentials?: S3Credentials;
  /** PEM CA bundle trusted for HTTPS besides the system roots (`ca.crt` of `spec.certSecretRef`). */
  ca?: string;
  /** PEM client certificate and key for mutual TLS (`tls.crt`/`tls.key`). */
  cert?: string;
  key?: string;
  /**
   * `http://[user:pass@]host:port` (`spec.proxySecretRef`): HTTPS endpoints are reached through a CONNECT
   * tunnel, plain-HTTP ones by absolute-URI requests to the proxy, as Go's transport does under Flux.
   */
  proxy?: string;
}

/** Default signing region, the one minio-go and S3-compatible servers assume when none is configured. */
export const DEFAULT_REGION = 'us-east-1';

/** Largest XML answer read (a 1000-key ListObjectsV2 page is well under 1 MiB). */
const MAX_XML_BYTES = 16 * 1024 * 1024;

// Loaded when a Bucket is first reconciled: most installations have none.
const aws4 = lazyModule<typeof Aws4>('aws4');

/** Encodes a path segment or query value the way Signature V4 canonicalises it (RFC 3986 unreserved kept). */
export function encodeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Splits `host[:port]`; throws BucketEndpointError for a scheme, path, credentials or an unparsable value. */
export function parseEndpoint(endpoint: string, insecure: boolean): { hostname: string; host: string; port: number } {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint)) {
    throw new BucketEndpointError(
      `endpoint '${endpoint}' must be host[:port] without a scheme (set spec.insecure: true for plain HTTP)`,
    );
  }
  let url: URL;
  try {
    url = new URL(`${insecure ? 'http' : 'https'}://${endpoint}`);
  } catch {
    throw new BucketEndpointError(`endpoint '${endpoint}' is not a valid host[:port]`);
  }
  if (endpoint === '' || url.pathname !== '/' || url.search !== '' || url.username !== '' || endpoint.includes('/')) {
    throw new BucketEndpointError(`endpoint '${endpoint}' must be host[:port] without a path`);
  }
  const port = url.port === '' ? (insecure ? 80 : 443) : Number(url.port);
  return { hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'), host: url.host, port };
}

/** Client of one S3-compatible endpoint; `close()` releases its pooled connections. */
export class S3Client {
  private readonly insecure: boolean;
  private region: string;
  private readonly regionFixed: boolean;
  private readonly credentials: S3Credentials | undefined;
  private readonly target: { hostname: string; host: string; port: number };
  private readonly agent: http.Agent;
  /** Set for plain-HTTP endpoints behind a proxy: requests go to it with an absolute URI. */
  private readonly forwardProxy: URL | undefined;

  constructor(opts: S3ClientOptions) {
    this.insecure = opts.insecure === true;
    this.region = opts.region || DEFAULT_REGION;
    this.regionFixed = Boolean(opts.region);
    this.credentials = opts.credentials;
    this.target = parseEndpoint(opts.endpoint, this.insecure);
    const proxy = opts.proxy !== undefined ? new URL(opts.proxy) : undefined;
    if (proxy && proxy.protocol !== 'http:') {
      throw new BucketEndpointError(`proxy ${proxy.protocol}//${proxy.host} is not supported: use an http:// proxy`);
    }
    const pool = { keepAlive: true, maxSockets: 16 };
    const tls = {
      ...(opts.ca !== undefined ? { ca: opts.ca } : {}),
      ...(opts.cert !== undefined ? { cert: opts.cert } : {}),
      ...(opts.key !== undefined ? { key: opts.key } : {}),
    };
    this.forwardProxy = this.insecure ? proxy : undefined;
    if (this.insecure) this.agent = new http.Agent(pool);
    else this.agent = proxy ? new TunnelAgent(proxy, { ...pool, ...tls }) : new https.Agent({ ...pool, ...tls });
  }

  /** True when HEAD on the bucket answers 2xx, false on 404; any other answer is an S3ResponseError. */
  async bucketExists(bucket: string, signal?: AbortSignal): Promise<boolean> {
    const res = await this.call({ method: 'HEAD', bucket, signal }, [404]);
    res.resume();
    return res.statusCode !== 404;
  }

  /**
   * Lists every object under `prefix` with ListObjectsV2, following continuation tokens; yields page by
   * page, so memory stays bounded by one page whatever the bucket's size.
   */
  async *listObjects(
    bucket: string,
    opts: { prefix?: string; signal?: AbortSignal | undefined; pageSize?: number } = {},
  ): AsyncGenerator<S3Object> {
    const signal = opts.signal;
    let token: string | undefined;
    const seen = new Set<string>();
    for (;;) {
      const query: Record<string, string> = { 'list-type': '2', 'encoding-type': 'url' };
      if (opts.prefix) query['prefix'] = opts.prefix;
      if (opts.pageSize !== undefined) query['max-keys'] = String(opts.pageSize);
      if (token !== undefined) query['continuation-token'] = token;
      const res = await this.call({ method: 'GET', bucket, query, signal });
      const body = await readBody(res, MAX_XML_BYTES, 'ListObjectsV2 answer');
      const page = parseListPage(body);
      for (const obj of page.objects) yield obj;
      if (!page.truncated) return;
      if (page.nextToken === undefined || seen.has(page.nextToken)) {
        throw new BucketError(
          `listing bucket '${bucket}' failed: the server sent a truncated page without a new continuation token`,
        );
      }
      seen.add(page.nextToken);
      token = page.nextToken;
    }
  }

  /**
   * Downloads one object into `file` (created, never overwritten), streaming; fails with BucketLimitError
   * past `maxBytes`. Returns the object's ETag (without quotes) and size as served.
   */
  async getObjectToFile(
    bucket: string,
    key: string,
    file: string,
    opts: { maxBytes: number; signal?: AbortSignal },
  ): Promise<{ etag: string; size: number }> {
    const res = await this.call({ method: 'GET', bucket, key, signal: opts.signal });
    const declared = Number(res.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > opts.maxBytes) {
      res.destroy();
      throw tooLarge(key, declared, opts.maxBytes);
    }
    let size = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        if (size > opts.maxBytes) done(tooLarge(key, size, opts.maxBytes));
        else done(null, chunk);
      },
    });
    await pipeline(res, counter, createWriteStream(file, { flags: 'wx', mode: 0o600 }), { signal: opts.signal });
    return { etag: trimEtag(String(res.headers.etag ?? '')), size };
  }

  /** Uploads one object (tests and tooling); returns its ETag without quotes. */
  async putObject(bucket: string, key: string, body: Buffer | string, signal?: AbortSignal): Promise<string> {
    const res = await this.call({ method: 'PUT', bucket, key, body: Buffer.from(body), signal });
    res.resume();
    return trimEtag(String(res.headers.etag ?? ''));
  }

  /** Deletes one object (tests and tooling); S3 answers 204 whether or not it existed. */
  async deleteObject(bucket: string, key: string, signal?: AbortSignal): Promise<void> {
    const res = await this.call({ method: 'DELETE', bucket, key, signal });
    res.resume();
  }

  /** Creates a bucket (tests and tooling). */
  async createBucket(bucket: string, signal?: AbortSignal): Promise<void> {
    const res = await this.call({ method: 'PUT', bucket, signal });
    res.resume();
  }

  /** Closes pooled connections. */
  close(): void {
    this.agent.destroy();
  }

  /**
   * Sends `req` and returns a 2xx answer (or one whose status is in `allow`); any other answer becomes an
   * S3ResponseError. Without a configured region, a "wrong region" answer (the `x-amz-bucket-region`
   * header, or an error naming its `Region`) switches the client to that region and retries once; a HEAD
   * answer carries no body, so a bare 400 to it asks `GET ?location` for the region first.
   */
  private async call(req: S3Request, allow: readonly number[] = []): Promise<IncomingMessage> {
    for (let attempt = 0; ; attempt++) {
      const res = await this.send(req);
      const status = res.statusCode ?? 0;
      if (ok(res) || allow.includes(status)) return res;
      let err = req.method === 'HEAD' ? headError(res) : await responseError(res);
      res.resume();
      if (attempt > 0) throw err;
      let region = String(res.headers['x-amz-bucket-region'] ?? '') || err.region;
      if (!region && req.method === 'HEAD' && status === 400) {
        // No body to read the reason from: the same request as GET ?location answers with one.
        const probe = await this.send({
          method: 'GET',
          bucket: req.bucket,
          query: { location: '' },
          signal: req.signal,
        });
        if (ok(probe)) probe.resume();
        else {
          err = await responseError(probe);
          region = err.region;
        }
      }
      if (this.regionFixed || !region || region === this.region) throw err;
      this.region = region;
    }
  }

  private send(req: S3Request): Promise<IncomingMessage> {
    let path = `/${encodeRfc3986(req.bucket)}`;
    if (req.key !== undefined) path += `/${req.key.split('/').map(encodeRfc3986).join('/')}`;
    const query = Object.entries(req.query ?? {})
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${encodeRfc3986(k)}=${encodeRfc3986(v)}`)
      .join('&');
    if (query !== '') path += `?${query}`;
    const headers: OutgoingHttpHeaders = { Host: this.target.host };
    if (req.body !== undefined) {
      headers['Content-Type'] = 'application/octet-stream';
      headers['Content-Length'] = req.body.length;
    }
    const options: Aws4.Request & http.RequestOptions = {
      method: req.method,
      hostname: this.target.hostname,
      port: this.target.port,
      path,
      headers,
      service: 's3',
      region: this.region,
      agent: this.agent,
      ...(req.body !== undefined ? { body: req.body } : {}),
    };
    if (this.credentials) aws4().sign(options, { ...this.credentials });
    // Signed for the endpoint; only then readdressed to the proxy, which forwards the signed headers as they are.
    const proxy = this.forwardProxy;
    if (proxy) {
      const auth = proxyAuthorization(proxy);
      Object.assign(options, {
        hostname: proxy.hostname,
        port: Number(proxy.port) || 80,
        path: `http://${this.target.host}${path}`,
      });
      if (auth) (options.headers as OutgoingHttpHeaders)['Proxy-Authorization'] = auth;
    }
    const transport = this.insecure ? http : https;
    return new Promise<IncomingMessage>((resolve, reject) => {
      const request = transport.request({ ...options, ...(req.signal ? { signal: req.signal } : {}) }, resolve);
      request.on('error', (err) => reject(transportError(err, this.target.host, req.signal)));
      request.end(req.body);
    });
  }
}

interface S3Request {
  method: string;
  bucket: string;
  key?: string;
  query?: Record<string, string>;
  body?: Buffer;
  signal?: AbortSignal | undefined;
}
