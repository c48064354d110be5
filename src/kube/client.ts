import type { KubeConfig } from '@kubernetes/client-node';
import { ResourceMapper } from './discovery.ts';
import { isNotFound, KubeApiError } from './errors.ts';
import { LineDecoder } from './line-decoder.ts';
import { ApiTransport, toApiError, type RequestObserver } from './request.ts';
import type { KubeObject, ListOptions, ObjectList, ObjectRef, ResourceInfo, WatchEvent } from './types.ts';

const METADATA_ACCEPT = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json';
const METADATA_LIST_ACCEPT = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';

export interface KubeClientOptions {
  kubeConfig: KubeConfig;
  /** Observes every request (metrics). */
  observer?: RequestObserver;
  /** Client-side rate limit (defaults 50 QPS, burst 300), used only when the server has no APF (see RequestPacer). */
  qps?: number;
  burst?: number;
}

export interface ApplyOptions {
  fieldManager: string;
  /** Take ownership of conflicting fields (default true, like Flux). */
  force?: boolean;
  dryRun?: boolean;
  subresource?: string;
}

export interface WatchOptions extends ListOptions {
  resourceVersion: string;
  signal: AbortSignal;
  timeoutSeconds?: number;
  onEvent: (event: WatchEvent) => void;
}

interface Impersonation {
  user: string;
  groups: string[];
}

/**
 * A typed Kubernetes REST client for any kind (discovered at run time). Reads return `undefined` for
 * NotFound; writes throw KubeApiError. `impersonate()` returns a client acting as another user.
 */
export class KubeClient {
  readonly transport: ApiTransport;
  readonly mapper: ResourceMapper;
  private readonly impersonation: Impersonation | undefined;

  constructor(
    opts: KubeClientOptions | { transport: ApiTransport; mapper: ResourceMapper; impersonation?: Impersonation },
  ) {
    if ('transport' in opts) {
      this.transport = opts.transport;
      this.mapper = opts.mapper;
      this.impersonation = opts.impersonation;
    } else {
      const transportOpts: ConstructorParameters<typeof ApiTransport>[0] = { kubeConfig: opts.kubeConfig };
      if (opts.observer) transportOpts.observer = opts.observer;
      if (opts.qps) transportOpts.qps = opts.qps;
      if (opts.burst) transportOpts.burst = opts.burst;
      this.transport = new ApiTransport(transportOpts);
      this.mapper = new ResourceMapper({ transport: this.transport });
    }
  }

  /** A client that sends every request as `user` (e.g. `system:serviceaccount:ns:sa`). */
  impersonate(user: string, groups: string[] = []): KubeClient {
    return new KubeClient({ transport: this.transport, mapper: this.mapper, impersonation: { user, groups } });
  }

  /**
   * A client acting as a ServiceAccount. Only the user is sent, as Flux's controllers impersonate: the API
   * server adds the service account's groups itself, so the manager needs `impersonate` on serviceaccounts
   * and never on groups (which would let it act as any group).
   */
  asServiceAccount(namespace: string, name: string): KubeClient {
    return this.impersonate(`system:serviceaccount:${namespace}:${name}`);
  }

  get impersonatedUser(): string | undefined {
    return this.impersonation?.user;
  }

  resource(apiVersion: string, kind: string): Promise<ResourceInfo> {
    return this.mapper.resolve(apiVersion, kind);
  }

  /** The REST path of a collection or object. */
  async path(
    ref: { apiVersion: string; kind: string; namespace?: string | undefined; name?: string },
    subresource?: string,
  ): Promise<string> {
    const r = await this.resource(ref.apiVersion, ref.kind);
    let p = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
    if (r.namespaced && ref.namespace) p += `/namespaces/${encodeURIComponent(ref.namespace)}`;
    p += `/${r.plural}`;
    if (ref.name) p += `/${encodeURIComponent(ref.name)}`;
    if (subresource) p += `/${subresource}`;
    return p;
  }

  private headers(): Record<string, string> {
    if (!this.impersonation) return {};
    // Node joins repeated headers when given an array, which is what the API server expects for groups.
    const h: Record<string, string> = { 'Impersonate-User': this.impersonation.user };
    if (this.impersonation.groups.length)
      (h as Record<string, unknown>)['Impersonate-Group'] = this.impersonation.groups;
    return h;
  }

  /** GETs one object; `undefined` when it does not exist. */
  async get<T extends KubeObject = KubeObject>(
    ref: ObjectRef,
    opts: { metadataOnly?: boolean } = {},
  ): Promise<T | undefined> {
    try {
      return await this.transport.send<T>({
        method: 'GET',
        path: await this.path(ref),
        headers: this.headers(),
        ...(opts.metadataOnly ? { accept: METADATA_ACCEPT } : {}),
      });
    } catch (err) {
      if (isNotFound(err) && !(err instanceof KubeApiError && err.reason === 'NoKindMatch')) return undefined;
      throw err;
    }
  }

  /** Lists objects of a kind, across all namespaces unless `namespace` is given. */
  async list<T extends KubeObject = KubeObject>(
    apiVersion: string,
    kind: string,
    opts: ListOptions = {},
  ): Promise<ObjectList<T>> {
    const path = await this.path({ apiVersion, kind, namespace: opts.namespace });
    const items: T[] = [];
    let cont: string | undefined;
    let resourceVersion = '';
    do {
      const page = await this.transport.send<{
        items: T[] | null;
        metadata: { resourceVersion: string; continue?: string };
      }>({
        method: 'GET',
        path,
        headers: this.headers(),
        query: {
          labelSelector: opts.labelSelector,
          fieldSelector: opts.fieldSelector,
          limit: String(opts.limit ?? 500),
          continue: cont,
        },
        ...(opts.metadataOnly ? { accept: METADATA_LIST_ACCEPT } : {}),
      });
      // Items of a typed list carry no apiVersion/kind; restore them so callers can treat items as objects.
      // A page can be empty (a label selector can leave the last page without matches), and the API
      // server then sends `items: null`.
      for (const item of page.items ?? []) items.push({ ...item, apiVersion, kind });
      resourceVersion = page.metadata.resourceVersion;
      cont = page.metadata.continue || undefined;
    } while (cont);
    return { items, resourceVersion };
  }

  /**
   * Streams watch events until the server closes the stream or `signal` aborts. A `410 Gone`
   * (expired resourceVersion) is thrown as KubeApiError(410) so the informer can relist.
   */
  async watch(apiVersion: string, kind: string, opts: WatchOptions): Promise<void> {
    const path = await this.path({ apiVersion, kind, namespace: opts.namespace });
    const { res } = await this.transport.open({
      method: 'GET',
      path,
      headers: this.headers(),
      signal: opts.signal,
      query: {
        watch: '1',
        resourceVersion: opts.resourceVersion,
        allowWatchBookmarks: 'true',
        labelSelector: opts.labelSelector,
        fieldSelector: opts.fieldSelector,
        timeoutSeconds: String(opts.timeoutSeconds ?? 300),
      },
      ...(opts.metadataOnly ? { accept: METADATA_ACCEPT } : {}),
    });
    if ((res.statusCode ?? 0) >= 300) {
      const chunks: Buffer[] = [];
      for await (const c of res) chunks.push(c as Buffer);
      throw toApiError(
        res.statusCode ?? 0,
        Buffer.concat(chunks).toString('utf8'),
        { method: 'GET', path },
        res.headers,
      );
    }
    const lines = new LineDecoder();
    const deliver = (line: string): void => {
      const event = JSON.parse(line) as {
        type: string;
        object: KubeObject & { code?: number; reason?: string; message?: string };
      };
      if (event.type === 'ERROR') {
        throw new KubeApiError({
          status: event.object.code ?? 500,
          reason: event.object.reason ?? '',
          message: event.object.message ?? 'watch error',
        });
      }
      opts.onEvent({ type: event.type as WatchEvent['type'], object: { ...event.object, apiVersion, kind } });
    };
    try {
      for await (const chunk of res) for (const line of lines.push(chunk as Buffer)) deliver(line);
      for (const line of lines.end()) deliver(line);
    } catch (err) {
      if (opts.signal.aborted) return;
      throw err;
    }
  }

  /** Server-side apply (`application/apply-patch+yaml`); returns the object as stored (or as it would be, on dry-run). */
  async apply<T extends KubeObject = KubeObject>(obj: KubeObject, opts: ApplyOptions): Promise<T> {
    return await this.transport.send<T>({
      method: 'PATCH',
      path: await this.path({ ...obj, namespace: obj.metadata.namespace, name: obj.metadata.name }, opts.subresource),
      headers: this.headers(),
      contentType: 'application/apply-patch+yaml',
      body: obj,
      query: {
        fieldManager: opts.fieldManager,
        force: String(opts.force ?? true),
        dryRun: opts.dryRun ? 'All' : undefined,
      },
    });
  }

  /** Patches an object (`merge` = JSON merge patch, `json` = RFC 6902, `strategic`). */
  async patch<T extends KubeObject = KubeObject>(
    ref: ObjectRef,
    body: unknown,
    opts: { type?: 'merge' | 'json' | 'strategic'; subresource?: string; fieldManager?: string } = {},
  ): Promise<T> {
    const type = opts.type ?? 'merge';
    const contentType = {
      merge: 'application/merge-patch+json',
      json: 'application/json-patch+json',
      strategic: 'application/strategic-merge-patch+json',
    }[type];
    return await this.transport.send<T>({
      method: 'PATCH',
      path: await this.path(ref, opts.subresource),
      headers: this.headers(),
      contentType,
      body,
      query: { fieldManager: opts.fieldManager },
    });
  }

  async create<T extends KubeObject = KubeObject>(
    obj: KubeObject,
    opts: { dryRun?: boolean; fieldManager?: string } = {},
  ): Promise<T> {
    return await this.transport.send<T>({
      method: 'POST',
      path: await this.path({ apiVersion: obj.apiVersion, kind: obj.kind, namespace: obj.metadata.namespace }),
      headers: this.headers(),
      body: obj,
      query: { dryRun: opts.dryRun ? 'All' : undefined, fieldManager: opts.fieldManager },
    });
  }

  /** PUT (optionally to a subresource such as `status`); fails with 409 on a stale resourceVersion. */
  async replace<T extends KubeObject = KubeObject>(
    obj: KubeObject,
    opts: { subresource?: string; fieldManager?: string } = {},
  ): Promise<T> {
    return await this.transport.send<T>({
      method: 'PUT',
      path: await this.path({ ...obj, namespace: obj.metadata.namespace, name: obj.metadata.name }, opts.subresource),
      headers: this.headers(),
      body: obj,
      ...(opts.fieldManager ? { query: { fieldManager: opts.fieldManager } } : {}),
    });
  }

  /** Deletes an object; returns false when it was already gone. */
  async delete(
    ref: ObjectRef,
    opts: { propagationPolicy?: 'Background' | 'Foreground' | 'Orphan'; dryRun?: boolean } = {},
  ): Promise<boolean> {
    try {
      await this.transport.send({
        method: 'DELETE',
        path: await this.path(ref),
        headers: this.headers(),
        body: {
          kind: 'DeleteOptions',
          apiVersion: 'v1',
          propagationPolicy: opts.propagationPolicy ?? 'Background',
          ...(opts.dryRun ? { dryRun: ['All'] } : {}),
        },
      });
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  /** The API server's `/version` answer. */
  async serverVersion(): Promise<{ gitVersion: string; major: string; minor: string; platform: string }> {
    return await this.transport.send({ method: 'GET', path: '/version' });
  }
}
