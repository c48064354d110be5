import type { Clock } from '../../../runtime/clock.ts';
import { systemClock } from '../../../runtime/clock.ts';
import type { JsonWebKeySet, JwksSource } from './gcr.ts';

/** Google's published OIDC signing keys. */
export const GOOGLE_JWKS_URL = 'https://www.googleapis.com/oauth2/v3/certs';

export interface GoogleJwksOptions {
  /** Key set URL, default {@link GOOGLE_JWKS_URL}. */
  url?: string;
  /** HTTP client, default the global `fetch`. */
  fetch?: typeof fetch;
  clock?: Clock;
  /** How long a fetched key set is reused, default 1 h (Google rotates keys over days). */
  ttlMs?: number;
  /** Per-request timeout, default 10 s. */
  timeoutMs?: number;
}

/**
 * A {@link JwksSource} that fetches Google's key set over HTTPS and caches it for `ttlMs`; concurrent
 * callers share one request. A failed fetch rejects (the gcr validator turns that into a 500).
 */
export function createGoogleJwksSource(opts: GoogleJwksOptions = {}): JwksSource {
  const url = opts.url ?? GOOGLE_JWKS_URL;
  const doFetch = opts.fetch ?? fetch;
  const clock = opts.clock ?? systemClock;
  const ttl = opts.ttlMs ?? 3_600_000;
  const timeout = opts.timeoutMs ?? 10_000;
  let cached: { keys: JsonWebKeySet; at: number } | undefined;
  let inflight: Promise<JsonWebKeySet> | undefined;

  async function load(): Promise<JsonWebKeySet> {
    const res = await doFetch(url, { signal: AbortSignal.timeout(timeout), headers: { accept: 'application/json' } });
    if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
    const body: unknown = await res.json();
    const keys = (body as { keys?: unknown } | null)?.keys;
    if (!Array.isArray(keys)) throw new Error(`GET ${url}: response has no "keys" array`);
    const set = { keys } as JsonWebKeySet;
    cached = { keys: set, at: clock.now() };
    return set;
  }

  return async () => {
    if (cached && clock.now() - cached.at < ttl) return cached.keys;
    inflight ??= load().finally(() => {
      inflight = undefined;
    });
    return await inflight;
  };
}
