import type { JsonWebKey } from 'node:crypto';
// jose is imported on the first gcr push, not at start: only gcr receivers need it.
import type { JSONWebKeySet } from 'jose';
import type { Clock } from '../../../runtime/clock.ts';
import { systemClock } from '../../../runtime/clock.ts';
import type { ReceiverValidator, ValidationResult } from '../types.ts';
import { accept, lookup, parsePayload, reject, secretEquals } from './common.ts';
import { isRecord } from '../../../util/is-record.ts';

/** A JSON Web Key Set as Google publishes it at https://www.googleapis.com/oauth2/v3/certs. */
export interface JsonWebKeySet {
  keys: (JsonWebKey & { kid?: string })[];
}

/** Where the Google signing keys come from; see `createGoogleJwksSource` for the networked one. */
export type JwksSource = () => Promise<JsonWebKeySet>;

export interface GcrValidatorOptions {
  /** Google's signing keys. Without them every call is refused: claims alone can be forged by anyone. */
  jwks?: JwksSource;
  /** Time source for `exp`/`iat`; default the system clock. */
  clock?: Clock;
  /** Tolerated clock difference with Google, default 60 s. */
  clockSkewMs?: number;
  /** Accepted `iss` values, default Google's two spellings (as Flux); a test issuer for local key sets. */
  issuers?: readonly string[];
}

/** The issuers Flux accepts on Pub/Sub push tokens. */
export const GOOGLE_ISSUERS = ['accounts.google.com', 'https://accounts.google.com'];

/**
 * `gcr`: a Pub/Sub push whose `Authorization: Bearer <OIDC ID token>` must be signed by Google (RS256,
 * key from the injected JWKS), issued by accounts.google.com, unexpired, for the Secret's `audience`,
 * for the verified service account `email`; the body's `message.data` must be a base64 GCR event with
 * an `action`. The signature is checked with `jose` against the injected key set (the manager's is
 * Google's, fetched and cached by `createGoogleJwksSource`; tests use a local one and `issuers`);
 * without one the validator fails closed with a reason that says so.
 */
export function createGcrValidator(opts: GcrValidatorOptions = {}): ReceiverValidator {
  const clock = opts.clock ?? systemClock;
  const skew = opts.clockSkewMs ?? 60_000;
  const issuers = opts.issuers ?? GOOGLE_ISSUERS;
  return {
    async validate(req, receiver) {
      const email = receiver.secret?.['email'] ?? '';
      const audience = receiver.secret?.['audience'] ?? '';
      if (email === '') return reject('invalid receiver Secret: required field "email" for a gcr receiver');
      if (audience === '') return reject('invalid receiver Secret: required field "audience" for a gcr receiver');
      const auth = req.headers.get('authorization') ?? '';
      if (!auth.startsWith('Bearer '))
        return reject('missing or malformed Authorization header: expected "Bearer <Pub/Sub OIDC token>"');
      const token = decodeJwt(auth.slice('Bearer '.length).trim());
      if (!token)
        return reject('malformed Pub/Sub token: expected a JWT (three base64url parts with JSON header and claims)');
      const signature = await checkSignature(token, opts.jwks);
      if (signature) return signature;
      const claims = checkClaims(token.claims, { email, audience, now: clock.now(), skew, issuers });
      if (claims) return claims;
      return checkBody(req.body);
    },
  };
}

interface DecodedJwt {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  compact: string;
}

function decodeJwt(jwt: string): DecodedJwt | undefined {
  const parts = jwt.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) return undefined;
  const [h, c] = parts as [string, string, string];
  const header = decodeJsonPart(h);
  const claims = decodeJsonPart(c);
  if (!header || !claims) return undefined;
  return { header, claims, compact: jwt };
}

function decodeJsonPart(part: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return isRecord(v) ? v : undefined;
  } catch {
    // Not JSON: the caller reports the token as malformed.
    return undefined;
  }
}

/** Google signs ID tokens with RS256 (and ES256 for some issuers); Flux's idtoken validator takes both. */
const ALGORITHMS = ['RS256', 'ES256'];

async function checkSignature(token: DecodedJwt, jwks: JwksSource | undefined): Promise<ValidationResult | undefined> {
  const alg = token.header['alg'];
  if (typeof alg !== 'string' || !ALGORITHMS.includes(alg))
    return reject(`unsupported Pub/Sub token algorithm ${JSON.stringify(alg)}: Google signs with RS256 or ES256`);
  if (!jwks) {
    return reject(
      'cannot verify the Pub/Sub token signature: no Google signing keys (JWKS) are configured for gcr receivers',
    );
  }
  let keySet: JsonWebKeySet;
  try {
    keySet = await jwks();
  } catch (err) {
    // Our failure, not the caller's: 500 lets Pub/Sub retry the push later.
    return { ok: false, status: 500, reason: `cannot load Google signing keys: ${(err as Error).message}` };
  }
  const { compactVerify, createLocalJWKSet, errors: joseErrors } = await import('jose');
  try {
    await compactVerify(token.compact, createLocalJWKSet(keySet as JSONWebKeySet), { algorithms: ALGORITHMS });
  } catch (err) {
    if (err instanceof joseErrors.JWKSNoMatchingKey)
      return reject(`Pub/Sub token signed with unknown key id ${JSON.stringify(token.header['kid'])}`);
    if (err instanceof joseErrors.JWSSignatureVerificationFailed) return reject('Pub/Sub token signature is invalid');
    return reject(`Pub/Sub token signature cannot be checked: ${(err as Error).message}`);
  }
  return undefined;
}

function checkClaims(
  claims: Record<string, unknown>,
  want: { email: string; audience: string; now: number; skew: number; issuers: readonly string[] },
): ValidationResult | undefined {
  const iss = claims['iss'];
  if (typeof iss !== 'string' || !want.issuers.includes(iss))
    return reject(`Pub/Sub token issuer is ${JSON.stringify(iss)}, want one of ${JSON.stringify(want.issuers)}`);
  const exp = claims['exp'];
  if (typeof exp !== 'number' || exp * 1000 + want.skew < want.now)
    return reject('Pub/Sub token has expired (or has no numeric "exp")');
  const iat = claims['iat'];
  if (typeof iat === 'number' && iat * 1000 - want.skew > want.now)
    return reject('Pub/Sub token is issued in the future ("iat")');
  const aud = claims['aud'];
  const audiences = Array.isArray(aud) ? aud : [aud];
  if (!audiences.some((a) => typeof a === 'string' && secretEquals(a, want.audience))) {
    return reject(`Pub/Sub token audience is ${JSON.stringify(aud)}, want the Secret's "audience"`);
  }
  const email = claims['email'];
  if (typeof email !== 'string' || !secretEquals(email, want.email))
    return reject(`Pub/Sub token email is ${JSON.stringify(email)}, want the Secret's "email"`);
  if (claims['email_verified'] !== true) return reject(`Pub/Sub token email "${email}" is not verified`);
  return undefined;
}

function checkBody(body: Buffer): ValidationResult {
  const parsed = parsePayload(body, 'GCR Pub/Sub', { message: 'object', 'message.data': 'string' });
  if (!parsed.ok) return parsed.result;
  // The GCR notification is JSON, base64-encoded inside the Pub/Sub message.
  const inner = parsePayload(Buffer.from(lookup(parsed.payload, 'message.data') as string, 'base64'), 'GCR', {
    action: 'string',
    digest: 'string?',
    tag: 'string?',
  });
  if (!inner.ok) return inner.result;
  return accept(
    `GCR ${inner.payload['action'] as string} ${(inner.payload['tag'] ?? inner.payload['digest'] ?? '') as string}`,
  );
}
