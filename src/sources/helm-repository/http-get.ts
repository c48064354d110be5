// A bounded HTTP(S) GET for Helm repositories: basic auth, an extra CA, a client certificate, a timeout,
// redirects (credentials kept only on the same host, as Go's client does), and a hard byte cap that
// stops the transfer instead of buffering an oversized body.
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { HttpStatusError, SizeLimitError, TransportError } from './errors.ts';

/** Credentials and TLS settings of a repository (from `secretRef` / `certSecretRef`). */
export interface RepositoryAuth {
  username?: string;
  password?: string;
  /** PEM CA bundle trusted in addition to Node's roots. */
  caCert?: string;
  clientCert?: string;
  clientKey?: string;
}

/** Options of `httpGet`. */
export interface HttpGetOptions {
  auth?: RepositoryAuth;
  /** Send the basic-auth credentials to this origin (`scheme://host:port`) only, as Helm's getter; unset: everywhere. */
  credentialsOrigin?: string;
  timeoutMs: number;
  maxBytes: number;
  /** Named in the size-limit error, e.g. `index` or `chart`. */
  what: string;
  signal?: AbortSignal;
}

const MAX_REDIRECTS = 10;

/** GETs `url` and returns the body; throws HttpStatusError, SizeLimitError or TransportError. */
export async function httpGet(url: string, opts: HttpGetOptions): Promise<Buffer> {
  const deadline = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, deadline]) : deadline;
  let target = new URL(url);
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const answer = await getOnce(target, opts, signal).catch((err: unknown) => {
      if (opts.signal?.aborted) throw opts.signal.reason;
      if (deadline.aborted)
        throw new TransportError(`failed to fetch ${target.href} : timeout after ${opts.timeoutMs}ms`);
      throw err;
    });
    if ('redirect' in answer) {
      target = new URL(answer.redirect, target);
      continue;
    }
    return answer.body;
  }
  throw new TransportError(`failed to fetch ${url} : stopped after ${MAX_REDIRECTS} redirects`);
}

type Answer = { body: Buffer } | { redirect: string };

function getOnce(target: URL, opts: HttpGetOptions, signal: AbortSignal): Promise<Answer> {
  const secure = target.protocol === 'https:';
  if (!secure && target.protocol !== 'http:') {
    return Promise.reject(new TransportError(`unsupported URL scheme ${target.protocol} in ${target.href}`));
  }
  const headers: Record<string, string> = { accept: '*/*', 'user-agent': 'driftless-helm-source' };
  const auth = opts.auth;
  const sameHost = opts.credentialsOrigin === undefined || opts.credentialsOrigin === target.origin;
  if (auth?.username !== undefined && auth.password !== undefined && sameHost) {
    headers.authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
  }
  const tlsOptions = secure
    ? {
        ...(auth?.caCert ? { ca: [...tls.rootCertificates, auth.caCert] } : {}),
        ...(auth?.clientCert ? { cert: auth.clientCert } : {}),
        ...(auth?.clientKey ? { key: auth.clientKey } : {}),
      }
    : {};
  return new Promise<Answer>((resolve, reject) => {
    const request = (secure ? https : http).request(target, {
      method: 'GET',
      headers,
      signal,
      agent: false,
      ...tlsOptions,
    });
    request.on('error', (err) =>
      reject(new TransportError(`failed to fetch ${target.href} : ${err.message}`, { cause: err })),
    );
    request.on('response', (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume();
        resolve({ redirect: res.headers.location });
        return;
      }
      if (status !== 200) {
        res.resume();
        reject(new HttpStatusError(target.href, status, res.statusMessage ?? ''));
        return;
      }
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > opts.maxBytes) {
        res.destroy();
        reject(new SizeLimitError(opts.what, opts.maxBytes));
        return;
      }
      const chunks: Buffer[] = [];
      let seen = 0;
      res.on('data', (chunk: Buffer) => {
        seen += chunk.length;
        if (seen > opts.maxBytes) {
          res.destroy();
          reject(new SizeLimitError(opts.what, opts.maxBytes));
          return;
        }
        chunks.push(chunk);
      });
      res.on('error', (err) =>
        reject(new TransportError(`failed to fetch ${target.href} : ${err.message}`, { cause: err })),
      );
      res.on('end', () => resolve({ body: Buffer.concat(chunks) }));
    });
    request.end();
  });
}
