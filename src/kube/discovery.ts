import type { ApiTransport } from './request.ts';
import { KubeApiError } from './errors.ts';
import { splitApiVersion, type ResourceInfo } from './types.ts';

interface ApiResourceList {
  resources: { name: string; kind: string; namespaced: boolean; verbs: string[] }[];
}

/**
 * Maps apiVersion+kind to the REST resource, caching each group-version's discovery document.
 * A miss refreshes that group-version once, so kinds from newly established CRDs are found.
 */
export class ResourceMapper {
  private readonly transport: ApiTransport;
  private readonly cache = new Map<string, Promise<ResourceInfo[]>>();

  constructor(opts: { transport: ApiTransport }) {
    this.transport = opts.transport;
  }

  /**
   * Resolves the resource. Throws KubeApiError 404 `NoKindMatch` only when the kind is not served (its
   * group-version answers 404, or its list lacks the kind); any other failure of discovery (403, 5xx,
   * network, timeout) keeps its status and reason, says "discovery of <group-version> failed", and is not
   * cached.
   */
  async resolve(apiVersion: string, kind: string): Promise<ResourceInfo> {
    const found = (await this.load(apiVersion, false)).find((r) => r.kind === kind);
    if (found) return found;
    const fresh = (await this.load(apiVersion, true)).find((r) => r.kind === kind);
    if (fresh) return fresh;
    throw new KubeApiError({
      status: 404,
      reason: 'NoKindMatch',
      message: `no matches for kind "${kind}" in version "${apiVersion}": is the CRD installed?`,
    });
  }

  /** Forgets cached discovery (after applying CRDs). */
  invalidate(apiVersion?: string): void {
    if (apiVersion) this.cache.delete(apiVersion);
    else this.cache.clear();
  }

  private load(apiVersion: string, refresh: boolean): Promise<ResourceInfo[]> {
    const cached = this.cache.get(apiVersion);
    if (cached && !refresh) return cached;
    const { group, version } = splitApiVersion(apiVersion);
    const path = group ? `/apis/${group}/${version}` : `/api/${version}`;
    const loading = this.transport
      .send<ApiResourceList>({ method: 'GET', path, timeoutMs: 30_000 })
      .then((list) =>
        list.resources
          .filter((r) => !r.name.includes('/'))
          .map((r) => ({ group, version, kind: r.kind, plural: r.name, namespaced: r.namespaced, verbs: r.verbs })),
      )
      .catch((err: unknown) => {
        // Nothing but a success is cached: the next lookup asks again.
        if (this.cache.get(apiVersion) === loading) this.cache.delete(apiVersion);
        // Only a 404 of the group-version means "not served"; anything else is reported as what it is.
        if (err instanceof KubeApiError && err.status === 404) return [];
        throw discoveryError(apiVersion, err);
      });
    this.cache.set(apiVersion, loading);
    return loading;
  }
}

/** Wraps a failed discovery request so the message says what was being discovered; keeps status and reason. */
function discoveryError(apiVersion: string, err: unknown): KubeApiError {
  if (!(err instanceof KubeApiError)) {
    const message = err instanceof Error ? err.message : String(err);
    return new KubeApiError({ status: 0, message: `discovery of ${apiVersion} failed: ${message}`, cause: err });
  }
  const what = err.reason || `HTTP ${err.status}`;
  return new KubeApiError({
    status: err.status,
    reason: err.reason,
    message: `discovery of ${apiVersion} failed: ${what}: ${err.message}`,
    details: err.details,
    cause: err,
    retryAfterMs: err.retryAfterMs,
  });
}
