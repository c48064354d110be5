import type { KubeObject } from '../kube/types.ts';

/** Masks shown instead of Secret values (Flux's markers). */
export const Mask = { value: '*****', before: '***** (before)', after: '***** (after)' } as const;

// Shorter values would mask ordinary words of the message; they carry little secret anyway.
const MIN_MASKED_LENGTH = 3;

/** True for core Secrets, whose `data`/`stringData` values must never be shown. */
export const isSecret = (obj: { apiVersion: string; kind: string } | undefined): boolean =>
  obj?.kind === 'Secret' && obj.apiVersion === 'v1';

function secretValues(obj: KubeObject): string[] {
  const values = new Set<string>();
  for (const field of ['data', 'stringData']) {
    const map = obj[field];
    if (typeof map !== 'object' || map === null) continue;
    for (const raw of Object.values(map as Record<string, unknown>)) {
      if (typeof raw !== 'string') continue;
      values.add(raw);
      // The API server may echo decoded bytes (or an encoded form of stringData) in its errors.
      if (field === 'data') values.add(Buffer.from(raw, 'base64').toString('utf8'));
      else values.add(Buffer.from(raw, 'utf8').toString('base64'));
    }
  }
  return [...values].filter((v) => v.length >= MIN_MASKED_LENGTH).sort((a, b) => b.length - a.length);
}

/**
 * `text` with every value of the Secrets' `data`/`stringData` (raw, base64-decoded and encoded)
 * replaced by `*****`; text about other kinds is returned unchanged.
 */
export function maskSecretText(text: string, ...objects: (KubeObject | undefined)[]): string {
  let out = text;
  for (const obj of objects) {
    if (!obj || !isSecret(obj)) continue;
    for (const v of secretValues(obj)) out = out.split(v).join(Mask.value);
  }
  return out;
}

/** A copy of a Secret with every `data`/`stringData` value replaced by `*****` (other kinds unchanged). */
export function maskSecretObject<T extends KubeObject | undefined>(obj: T): T {
  if (!obj || !isSecret(obj)) return obj;
  const out = structuredClone(obj) as KubeObject;
  for (const field of ['data', 'stringData']) {
    const map = out[field];
    if (typeof map !== 'object' || map === null) continue;
    out[field] = Object.fromEntries(Object.keys(map).map((k) => [k, Mask.value]));
  }
  return out as T;
}
