// A small OCI distribution-spec client over fetch: manifests, tags, blobs, uploads, with the
// registry's authentication dance (Basic, or a Bearer token from the challenge's realm). Credentials
// go only to the registry's own origin and its token realm: a redirect to another host (blob storage)
// is followed without the Authorization header.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { once } from 'node:events';
import { formatBytes } from '../../artifacts/errors.ts';
import { basicAuthorization, parseAuthChallenge, type AuthChallenge, type RegistryCredentials } from './auth.ts';
import { OciAuthError, OciDigestError, OciError, OciNotFoundError, OciRegistryError } from './errors.ts';
import { contentType, discard, networkError, nextLink, readCapped, registryErrors } from './http-response.ts';
import { bearerAuthorization } from './token.ts';
import type { NodeFetch } from '../../util/http-transport.ts';
import { ManifestAccept, MediaTypes, parseManifest, type Descriptor } from './manifest.ts';
import { isValidDigest, plainHttpAllowed } from './reference.ts';

/** Options of a RegistryClient for one repository. */
export interface RegistryClientOptions {
  /** `host[:port]`. */
  registry: string;
  /** Repository path, e.g. `org/app`. */
  repository: string;
  /** Allow plain HTTP when HTTPS fails (Flux's `spec.insecure`); loopback and private registries always may. */
  insecure?: boolean;
  credentials?: RegistryCredentials;
  /** Aborts every request (the reconcile's signal combined with `spec.timeout`). */
  signal?: AbortSignal;
  /** The HTTP client: `nodeFetch` for a custom CA, client certificate or proxy; default the global fetch. */
  fetch?: NodeFetch;
  userAgent?: string;
  /** Largest manifest or tag page accepted, in bytes (default 4 MiB, the registry's own manifest cap). */
  maxDocumentBytes?: number;
}

/** A manifest as fetched: raw bytes (what the digest covers), its digest and media type. */
export interface FetchedManifest {
  body: Buffer;
  digest: string;
  mediaType: string | undefined;
}

const MAX_REDIRECTS = 5;
const DEFAULT_MAX_DOCUMENT = 4 * 1024 * 1024;

interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer;
  /** Token scope actions needed (`pull` or `pull,push`). */
  actions?: 'pull' | 'pull,push';
}

/** A client for one repository of one registry. Tokens are cached per instance (one reconcile). */
export class RegistryClient {
  readonly registry: string;
  readonly repository: string;
  /** `https`, or `http` once HTTPS failed to connect and plain HTTP is allowed. */
  private scheme: 'https' | 'http' = 'https';
  /** Plain HTTP may still be tried (cleared once the scheme is settled). */
  private plainHttpFallback: boolean;
  private readonly credentials: RegistryCredentials | undefined;
  private readonly signal: AbortSignal | undefined;
  private readonly fetch: NodeFetch;
  private readonly userAgent: string;
  private readonly maxDocumentBytes: number;
  /** The Authorization header that worked last, per scope actions. */
  private readonly authorization = new Map<string, string>();

  constructor(o: RegistryClientOptions) {
    this.registry = o.registry;
    this.repository = o.repository;
    this.plainHttpFallback = plainHttpAllowed(o.registry, o.insecure ?? false);
    this.credentials = o.credentials;
    this.signal = o.signal;
    this.fetch = o.fetch ?? ((url, init) => fetch(url, { ...init, redirect: 'manual' }));
    this.userAgent = o.userAgent ?? 'driftless';
    this.maxDocumentBytes = o.maxDocumentBytes ?? DEFAULT_MAX_DOCUMENT;
  }

  /** `<scheme>://<registry>`: HTTPS unless it failed and plain HTTP is allowed. */
  get baseUrl(): string {
    return `${this.scheme}://${this.registry}`;
  }

  /** `/v2/<repository>/<suffix>` on the registry. */
  private url(suffix: string): string {
    return `${this.baseUrl}/v2/${this.repository}/${suffix}`;
  }

  /**
   * Resolves a tag (or digest) to the manifest digest: HEAD first, as Flux does, and GET when the
   * registry gives no `Docker-Content-Digest` on HEAD. Throws OciNotFoundError for an unknown tag.
   */
  async resolve(reference: string): Promise<{ digest: string; mediaType: string | undefined }> {
    const res = await this.request(this.url(`manifests/${reference}`), {
      method: 'HEAD',
      headers: { Accept: ManifestAccept },
    });
    await discard(res);
    if (res.ok) {
      const digest = res.headers.get('docker-content-digest');
      if (digest && isValidDigest(digest)) return { digest, mediaType: contentType(res) };
    } else if (res.status === 404) {
      throw new OciNotFoundError(`${this.describe(reference)}: MANIFEST_UNKNOWN: manifest unknown`);
    } else if (res.status !== 405) {
      throw await this.failure('HEAD', this.url(`manifests/${reference}`), res, reference);
    }
    const fetched = await this.manifest(reference);
    return { digest: fetched.digest, mediaType: fetched.mediaType };
  }

  /**
   * GETs a manifest or index by tag or digest. The bytes are hashed: fetched by digest they must
   * match it, and a `Docker-Content-Digest` header must match them (OciDigestError otherwise).
   */
  async manifest(reference: string): Promise<FetchedManifest> {
    const url = this.url(`manifests/${reference}`);
    const res = await this.request(url, { headers: { Accept: ManifestAccept } });
    if (!res.ok) throw await this.failure('GET', url, res, reference);
    const body = await readCapped(res, this.maxDocumentBytes, `manifest of ${this.describe(reference)}`);
    const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
    const expected = isValidDigest(reference) ? reference : res.headers.get('docker-content-digest');
    if (expected && isValidDigest(expected) && expected !== digest) {
      throw new OciDigestError(
        `manifest of ${this.describe(reference)} has digest '${digest}', but '${expected}' was expected`,
      );
    }
    return { body, digest, mediaType: contentType(res) };
  }

  /** Every tag of the repository, following `Link: <…>; rel="next"` pagination (`pageSize` tags a page). */
  async listTags(pageSize = 1000): Promise<string[]> {
    const tags: string[] = [];
    let url: string | undefined = this.url(`tags/list?n=${pageSize}`);
    for (let page = 0; url !== undefined; page++) {
      if (page > 10_000) throw new OciRegistryError(`tag list of ${this.describe()} has more than 10000 pages`);
      const res = await this.request(url, { headers: { Accept: 'application/json' } });
      if (!res.ok) throw await this.failure('GET', url, res);
      const body = await readCapped(res, this.maxDocumentBytes, `tag list of ${this.describe()}`);
      let doc: { tags?: unknown };
      try {
        doc = JSON.parse(body.toString('utf8')) as { tags?: unknown };
      } catch {
        throw new OciRegistryError(`tag list of ${this.describe()} is not valid JSON`);
      }
      if (Array.isArray(doc.tags)) for (const t of doc.tags) if (typeof t === 'string') tags.push(t);
      url = nextLink(res.headers.get('link'), url);
    }
    return tags;
  }

  /**
   * Streams a blob into `file`, hashing and counting as it goes; the file is removed and OciDigestError
   * thrown when the bytes do not match the descriptor's digest or size, OciRegistryError past `maxBytes`.
   */
  async downloadBlob(desc: Pick<Descriptor, 'digest' | 'size'>, file: string, maxBytes: number): Promise<void> {
    if (!isValidDigest(desc.digest)) throw new OciDigestError(`layer digest '${desc.digest}' is not a sha256 digest`);
    if (desc.size > maxBytes) {
      throw new OciRegistryError(
        `layer ${desc.digest} is ${desc.size} bytes, above the ${formatBytes(maxBytes)} limit`,
      );
    }
    const url = this.url(`blobs/${desc.digest}`);
    const res = await this.request(url, {});
    if (!res.ok) throw await this.failure('GET', url, res, desc.digest);
    const hash = createHash('sha256');
    const out = createWriteStream(file, { mode: 0o600 });
    let seen = 0;
    try {
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        seen += chunk.length;
        if (seen > maxBytes || seen > desc.size) {
          throw new OciDigestError(
            `layer ${desc.digest} is larger than the ${desc.size} bytes its descriptor declares`,
          );
        }
        hash.update(chunk);
        if (!out.write(chunk)) await once(out, 'drain');
      }
      out.end();
      await once(out, 'close');
    } catch (err) {
      out.destroy();
      await rm(file, { force: true });
      throw err;
    }
    const digest = `sha256:${hash.digest('hex')}`;
    if (digest !== desc.digest || seen !== desc.size) {
      await rm(file, { force: true });
      throw new OciDigestError(
        `layer content does not match its digest: expected '${desc.digest}' (${desc.size} bytes), got '${digest}' (${seen} bytes)`,
      );
    }
  }

  /** A small blob in memory (a signature payload, a bundle), digest- and size-checked, at most `maxBytes`. */
  async blob(desc: Pick<Descriptor, 'digest' | 'size'>, maxBytes: number): Promise<Buffer> {
    if (!isValidDigest(desc.digest) || desc.size > maxBytes) {
      throw new OciRegistryError(
        `blob '${desc.digest}' (${desc.size} bytes) is not a sha256 blob of at most ${formatBytes(maxBytes)}`,
      );
    }
    const url = this.url(`blobs/${desc.digest}`);
    const res = await this.request(url, {});
    if (!res.ok) throw await this.failure('GET', url, res, desc.digest);
    const body = await readCapped(res, maxBytes, `blob ${desc.digest}`);
    const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
    if (digest !== desc.digest || body.length !== desc.size) {
      throw new OciDigestError(`blob content does not match its digest: expected '${desc.digest}', got '${digest}'`);
    }
    return body;
  }

  /**
   * The OCI 1.1 referrers of `digest` (the descriptors of the index the referrers API answers), or undefined
   * when the registry has no referrers API (404), in which case clients read the `sha256-<hex>` tag instead.
   */
  async referrers(digest: string): Promise<Descriptor[] | undefined> {
    const url = this.url(`referrers/${digest}`);
    const res = await this.request(url, { headers: { Accept: MediaTypes.ociIndex } });
    if (res.status === 404) {
      await discard(res);
      return undefined;
    }
    if (!res.ok) throw await this.failure('GET', url, res, digest);
    const parsed = parseManifest(
      await readCapped(res, this.maxDocumentBytes, `referrers of ${digest}`),
      contentType(res),
    );
    return parsed.kind === 'index' ? parsed.index.manifests : [];
  }

  /** Uploads a blob unless the registry has it already (monolithic POST + PUT); returns its descriptor. */
  async pushBlob(data: Buffer, mediaType: string): Promise<Descriptor> {
    const digest = `sha256:${createHash('sha256').update(data).digest('hex')}`;
    const desc: Descriptor = { mediaType, digest, size: data.length };
    const head = await this.request(this.url(`blobs/${digest}`), { method: 'HEAD', actions: 'pull,push' });
    await discard(head);
    if (head.ok) return desc;
    const start = this.url('blobs/uploads/');
    const started = await this.request(start, { method: 'POST', actions: 'pull,push' });
    await discard(started);
    const location = started.headers.get('location');
    if (started.status !== 202 || !location) throw await this.failure('POST', start, started);
    const put = new URL(location, start);
    put.searchParams.set('digest', digest);
    const done = await this.request(put.toString(), {
      method: 'PUT',
      actions: 'pull,push',
      headers: { 'Content-Type': 'application/octet-stream' },
      body: data,
    });
    await discard(done);
    if (done.status !== 201) throw await this.failure('PUT', put.toString(), done);
    return desc;
  }

  /** PUTs a manifest under `reference` (a tag or its digest); returns the manifest's digest. */
  async pushManifest(reference: string, body: Buffer, mediaType: string): Promise<string> {
    const url = this.url(`manifests/${reference}`);
    const res = await this.request(url, {
      method: 'PUT',
      actions: 'pull,push',
      headers: { 'Content-Type': mediaType },
      body,
    });
    await discard(res);
    if (res.status !== 201) throw await this.failure('PUT', url, res, reference);
    return `sha256:${createHash('sha256').update(body).digest('hex')}`;
  }

  /**
   * One request with authentication and redirects. A 401 answers with a challenge: Basic gets the
   * credentials, Bearer gets a token from the realm (with the credentials, if any), then the request is
   * retried once. Redirects are followed by hand so credentials never leave the registry's origin.
   */
  private async request(url: string, o: RequestOptions): Promise<Response> {
    const actions = o.actions ?? 'pull';
    let res = await this.send(url, o, this.authorization.get(actions));
    if (res.status !== 401) return res;
    const challenge = parseAuthChallenge(res.headers.get('www-authenticate'));
    await discard(res);
    const authorization = await this.authenticate(challenge, actions);
    res = await this.send(url, o, authorization);
    if (res.status === 401) {
      await discard(res);
      throw new OciAuthError(
        this.credentials
          ? `${o.method ?? 'GET'} ${url}: UNAUTHORIZED: the registry rejected the credentials (HTTP 401)`
          : `${o.method ?? 'GET'} ${url}: UNAUTHORIZED: authentication required; set spec.secretRef to a kubernetes.io/dockerconfigjson Secret`,
      );
    }
    this.authorization.set(actions, authorization);
    return res;
  }

  private async send(url: string, o: RequestOptions, authorization: string | undefined): Promise<Response> {
    let current = this.onRegistryScheme(url);
    for (let hop = 0; ; hop++) {
      const sameOrigin = new URL(current).origin === new URL(this.baseUrl).origin;
      const headers: Record<string, string> = { 'User-Agent': this.userAgent, ...o.headers };
      if (authorization && sameOrigin) headers.Authorization = authorization;
      let res: Response;
      try {
        res = await this.fetch(current, {
          method: o.method ?? 'GET',
          headers,
          ...(o.body ? { body: new Uint8Array(o.body) } : {}),
          ...(this.signal ? { signal: this.signal } : {}),
        });
      } catch (err) {
        // Flux's registry library: HTTPS first, plain HTTP when allowed and HTTPS cannot be spoken there.
        if (sameOrigin && this.scheme === 'https' && this.plainHttpFallback && !this.signal?.aborted) {
          this.scheme = 'http';
          this.plainHttpFallback = false;
          current = this.onRegistryScheme(current);
          hop--;
          continue;
        }
        throw networkError(o.method ?? 'GET', current, err, this.signal);
      }
      if (sameOrigin) this.plainHttpFallback = false;
      const location = res.headers.get('location');
      if (![301, 302, 303, 307, 308].includes(res.status) || !location) return res;
      await discard(res);
      if (hop >= MAX_REDIRECTS) throw new OciRegistryError(`${o.method ?? 'GET'} ${url}: too many redirects`);
      current = new URL(location, current).toString();
    }
  }

  /** `url` on the scheme settled for the registry, when it points at the registry itself. */
  private onRegistryScheme(url: string): string {
    const u = new URL(url);
    if (u.host !== this.registry || u.protocol === `${this.scheme}:`) return url;
    return `${this.scheme}://${url.slice(url.indexOf('://') + 3)}`;
  }

  /** The Authorization header a challenge asks for. Throws OciAuthError when it cannot be met. */
  private async authenticate(challenge: AuthChallenge | undefined, actions: string): Promise<string> {
    if (challenge?.scheme === 'basic' || (challenge === undefined && this.credentials)) {
      if (!this.credentials) {
        throw new OciAuthError(
          `${this.describe()}: UNAUTHORIZED: the registry requires credentials; set spec.secretRef to a kubernetes.io/dockerconfigjson Secret`,
        );
      }
      return basicAuthorization(this.credentials);
    }
    if (challenge?.scheme !== 'bearer' || !challenge.params.realm) {
      throw new OciAuthError(`${this.describe()}: UNAUTHORIZED: unsupported authentication challenge`);
    }
    return bearerAuthorization({
      challenge,
      scope: challenge.params.scope ?? `repository:${this.repository}:${actions}`,
      credentials: this.credentials,
      userAgent: this.userAgent,
      signal: this.signal,
      fetch: this.fetch,
    });
  }

  private describe(reference?: string): string {
    const name = `${this.registry}/${this.repository}`;
    if (!reference) return name;
    return isValidDigest(reference) ? `${name}@${reference}` : `${name}:${reference}`;
  }

  /** The error a non-success answer becomes; the registry's error codes are kept, nothing else of the body. */
  private async failure(method: string, url: string, res: Response, reference?: string): Promise<OciError> {
    const detail = await registryErrors(res);
    const what = `${method} ${url}: ${detail || `HTTP ${res.status}`}`;
    if (res.status === 404)
      return new OciNotFoundError(reference ? `${this.describe(reference)}: ${detail || 'not found'}` : what);
    if (res.status === 401 || res.status === 403) return new OciAuthError(what);
    return new OciRegistryError(what, res.status);
  }
}
