// Helpers every validator shares: constant-time comparisons, HMAC signature parsing, event filters and
// payload field checks. All failures become a 400 with a reason that names the header or field.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { VALIDATION_FAILED_STATUS, type ValidationResult } from '../types.ts';
import { isRecord } from '../../../util/is-record.ts';

/** HMAC digests a signature header may name. */
export type HmacAlgorithm = 'sha1' | 'sha256' | 'sha512';

const HEX_LENGTH: Record<HmacAlgorithm, number> = { sha1: 40, sha256: 64, sha512: 128 };

/** A failed validation with Flux's 400 and a readable reason. */
export function reject(reason: string): ValidationResult {
  return { ok: false, status: VALIDATION_FAILED_STATUS, reason };
}

/** An authentic call that should trigger. */
export function accept(summary?: string): ValidationResult {
  return summary === undefined ? { ok: true } : { ok: true, summary };
}

/**
 * Constant-time equality of a presented secret and the expected one. Both sides are hashed first so the
 * buffers have equal length and neither the length nor a common prefix of the secret leaks through timing.
 */
export function secretEquals(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** Parses a hex MAC of the given algorithm; undefined when it is not exactly that many hex digits. */
export function parseHexMac(hex: string, algorithm: HmacAlgorithm): Buffer | undefined {
  // Buffer.from(hex, 'hex') silently stops at the first bad digit, so the shape is checked first.
  if (hex.length !== HEX_LENGTH[algorithm] || !/^[0-9a-fA-F]+$/.test(hex)) return undefined;
  return Buffer.from(hex, 'hex');
}

/**
 * Checks a `<algorithm>=<hex>` signature header (GitHub, Bitbucket Server, generic-hmac) over the body.
 * The algorithm must be one of `allowed`, which stops a header meant for SHA-256 from carrying SHA-1.
 */
export function verifyPrefixedSignature(opts: {
  header: string;
  value: string | null;
  allowed: readonly HmacAlgorithm[];
  key: string;
  body: Buffer;
}): ValidationResult | undefined {
  if (opts.value === null || opts.value === '') return reject(`missing ${opts.header} header`);
  const eq = opts.value.indexOf('=');
  const algorithm = opts.value.slice(0, eq).toLowerCase();
  if (eq <= 0 || !(opts.allowed as readonly string[]).includes(algorithm)) {
    return reject(`malformed ${opts.header} header: expected ${opts.allowed.map((a) => `${a}=<hex>`).join(' or ')}`);
  }
  return verifyHexMac({ ...opts, algorithm: algorithm as HmacAlgorithm, hex: opts.value.slice(eq + 1) });
}

/** Checks a bare hex HMAC (Nexus) over the body in constant time; undefined when it matches. */
export function verifyHexMac(opts: {
  header: string;
  algorithm: HmacAlgorithm;
  hex: string;
  key: string;
  body: Buffer;
}): ValidationResult | undefined {
  const mac = parseHexMac(opts.hex, opts.algorithm);
  if (!mac)
    return reject(
      `malformed ${opts.header} header: expected ${HEX_LENGTH[opts.algorithm]} hex digits of HMAC-${opts.algorithm.toUpperCase()}`,
    );
  const expected = createHmac(opts.algorithm, opts.key).update(opts.body).digest();
  // Equal lengths are guaranteed by parseHexMac, so timingSafeEqual never throws here.
  if (!timingSafeEqual(mac, expected))
    return reject(`${opts.header} does not match the HMAC of the body with the receiver token`);
  return undefined;
}

/** HMAC validators refuse an empty token: an HMAC keyed with "" authenticates nobody. */
export function requireToken(token: string): ValidationResult | undefined {
  return token === ''
    ? reject('the receiver Secret has an empty "token": set one and configure it on the sender')
    : undefined;
}

/**
 * Applies `spec.events` (case-insensitive) to the event-type header. Undefined means "go on"; an
 * `ignored` result means authentic but filtered out. The header is only required when a filter is set.
 */
export function filterEvent(opts: {
  header: string;
  value: string | null;
  events: readonly string[] | undefined;
}): ValidationResult | undefined {
  if (!opts.events || opts.events.length === 0) return undefined;
  if (opts.value === null || opts.value === '')
    return reject(`missing ${opts.header} header (spec.events filters on it)`);
  const wanted = opts.value.toLowerCase();
  if (opts.events.some((e) => e.toLowerCase() === wanted)) return undefined;
  return { ok: true, ignored: `event "${opts.value}" is not in spec.events` };
}

/** Field kinds a payload check can require. `?` makes a field optional (but typed when present). */
export type FieldKind = 'string' | 'object' | 'string[]' | 'string?' | 'string[]?';

/** Parses the body as a JSON object and checks dotted field paths; returns the object or a 400 naming the field. */
export function parsePayload(
  body: Buffer,
  sender: string,
  fields: Readonly<Record<string, FieldKind>>,
): { ok: true; payload: Record<string, unknown> } | { ok: false; result: ValidationResult } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (err) {
    return { ok: false, result: reject(`cannot decode ${sender} payload: ${(err as Error).message}`) };
  }
  if (!isRecord(parsed))
    return {
      ok: false,
      result: reject(`cannot decode ${sender} payload: expected a JSON object, got ${describe(parsed)}`),
    };
  for (const [path, kind] of Object.entries(fields)) {
    const value = lookup(parsed, path);
    const problem = checkKind(value, kind);
    if (problem) return { ok: false, result: reject(`invalid ${sender} payload: ${path} ${problem}`) };
  }
  return { ok: true, payload: parsed };
}

/** Reads a dotted path from a JSON value; undefined when any step is missing or not an object. */
export function lookup(value: unknown, path: string): unknown {
  let cur: unknown = value;
  for (const part of path.split('.')) {
    if (!isRecord(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

function checkKind(value: unknown, kind: FieldKind): string | undefined {
  const optional = kind.endsWith('?');
  if (value === undefined && optional) return undefined;
  const base = optional ? kind.slice(0, -1) : kind;
  if (base === 'string' && typeof value === 'string') return undefined;
  if (base === 'object' && isRecord(value)) return undefined;
  if (base === 'string[]' && Array.isArray(value) && value.every((v) => typeof v === 'string')) return undefined;
  const expected = base === 'string[]' ? 'an array of strings' : base === 'object' ? 'an object' : 'a string';
  return `must be ${expected} (got ${describe(value)})`;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  return Array.isArray(v) ? 'an array' : typeof v;
}
