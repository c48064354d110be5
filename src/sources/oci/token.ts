// The Bearer half of the registry's authentication dance: a token from the challenge's realm (the
// distribution token spec), asked with the credentials when there are any. Used by RegistryClient.
import { basicAuthorization, type AuthChallenge, type RegistryCredentials } from './auth.ts';
import { OciAuthError } from './errors.ts';
import { discard, networkError, readCapped } from './http-response.ts';
import type { NodeFetch } from '../../util/http-transport.ts';

/** What a token request needs: the Bearer challenge, the scope wanted, and who asks. */
export interface TokenRequest {
  challenge: AuthChallenge;
  scope: string;
  credentials: RegistryCredentials | undefined;
  userAgent: string;
  signal: AbortSignal | undefined;
  /** The registry client's HTTP client (redirects are not followed). */
  fetch: NodeFetch;
}

/** `Bearer <token>` from the realm; OciAuthError when the token service refuses or answers no token. */
export async function bearerAuthorization(o: TokenRequest): Promise<string> {
  const realm = new URL(o.challenge.params.realm ?? '');
  if (o.challenge.params.service) realm.searchParams.set('service', o.challenge.params.service);
  realm.searchParams.set('scope', o.scope);
  const headers: Record<string, string> = { 'User-Agent': o.userAgent, Accept: 'application/json' };
  if (o.credentials) headers.Authorization = basicAuthorization(o.credentials);
  let res: Response;
  try {
    res = await o.fetch(realm.toString(), { headers, ...(o.signal ? { signal: o.signal } : {}) });
  } catch (err) {
    throw networkError('GET', `${realm.origin}${realm.pathname}`, err, o.signal);
  }
  if (!res.ok) {
    await discard(res);
    throw new OciAuthError(
      `token service ${realm.origin}${realm.pathname} refused ${o.credentials ? 'the credentials' : 'anonymous access'} (HTTP ${res.status})`,
    );
  }
  const body = await readCapped(res, 1024 * 1024, 'token response');
  let token: unknown;
  try {
    const doc = JSON.parse(body.toString('utf8')) as { token?: unknown; access_token?: unknown };
    token = doc.token ?? doc.access_token;
  } catch {
    token = undefined;
  }
  if (typeof token !== 'string' || token === '') {
    throw new OciAuthError(`token service ${realm.origin}${realm.pathname} returned no token`);
  }
  return `Bearer ${token}`;
}
