// Small formatting helpers shared by the providers; deterministic (metadata sorted by key).
import type { FluxEvent } from '../event.ts';
import { invalidConfig } from './errors.ts';
import type { ProviderConfig } from './types.ts';

export { objectTitle } from '../event.ts';

/** The event's metadata as `[key, value]` pairs sorted by key, so payloads are stable across runs. */
export function sortedMetadata(event: FluxEvent): [string, string][] {
  return Object.entries(event.metadata ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** `text` cut to at most `max` characters (code points), ending in `…` when cut. */
export function truncate(text: string, max: number): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  return chars.slice(0, Math.max(0, max - 1)).join('') + '…';
}

/** Flux's description of a reason: camelCase split into lowercase words (`ReconciliationSucceeded` → `reconciliation succeeded`). */
export function reasonWords(reason: string): string {
  return reason
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase();
}

/** The first line of the message, for notification previews. */
export function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? '';
}

/**
 * `cfg.address` as an http(s) URL; throws `InvalidProviderConfig` otherwise. The address itself is
 * not echoed, since webhook URLs are secrets.
 */
export function requireHttpUrl(cfg: ProviderConfig, address: string = cfg.address): URL {
  let url: URL | undefined;
  try {
    url = new URL(address);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw invalidConfig(cfg.type, 'the address (spec.address or Secret key "address") must be an absolute http(s) URL');
  }
  return url;
}

/** Returns `value` or throws `InvalidProviderConfig` saying which setting is missing. */
export function required(cfg: ProviderConfig, value: string | undefined, what: string): string {
  if (!value) throw invalidConfig(cfg.type, `${what} is required`);
  return value;
}

/** `Authorization: Bearer <token>` when a token is set, else Basic from username/password, else nothing. */
export function authorization(cfg: ProviderConfig): Record<string, string> {
  if (cfg.token) return { authorization: `Bearer ${cfg.token}` };
  if (cfg.username && cfg.password) {
    return { authorization: `Basic ${Buffer.from(`${cfg.username}:${cfg.password}`).toString('base64')}` };
  }
  return {};
}
