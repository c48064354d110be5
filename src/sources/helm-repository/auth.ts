// Credentials of a HelmRepository from its Secrets, as source-controller's getter.GetClientOpts reads them:
// `secretRef` username/password (and the deprecated caFile/certFile/keyFile), `certSecretRef` ca.crt,
// tls.crt, tls.key (taking precedence). Secret values never reach an error message.
import type { RepositoryAuth } from './http-get.ts';

/** Reads a Secret's data (decoded), or undefined when it does not exist. */
export type SecretReader = (namespace: string, name: string) => Promise<Record<string, string> | undefined>;

/** A referenced Secret is missing or incomplete. */
export class RepositoryAuthError extends Error {
  override readonly name = 'RepositoryAuthError';
}

/** The repository fields that carry credentials. */
export interface AuthSpec {
  secretRef?: { name: string } | undefined;
  certSecretRef?: { name: string } | undefined;
}

/** The auth of a repository; undefined when it references no Secret. */
export async function readRepositoryAuth(
  namespace: string,
  spec: AuthSpec,
  readSecret: SecretReader,
): Promise<RepositoryAuth | undefined> {
  if (!spec.secretRef && !spec.certSecretRef) return undefined;
  const auth: RepositoryAuth = {};
  if (spec.secretRef) {
    const data = await get(namespace, spec.secretRef.name, readSecret);
    const { username, password } = data;
    if ((username !== undefined) !== (password !== undefined) || username === '' || password === '') {
      throw new RepositoryAuthError(
        `invalid '${spec.secretRef.name}' secret data: required fields 'username' and 'password'`,
      );
    }
    if (username !== undefined) auth.username = username;
    if (password !== undefined) auth.password = password;
    // Deprecated TLS keys of secretRef, still honoured by Flux when certSecretRef is unset.
    if (!spec.certSecretRef) setTls(auth, data['caFile'], data['certFile'], data['keyFile'], spec.secretRef.name);
  }
  if (spec.certSecretRef) {
    const data = await get(namespace, spec.certSecretRef.name, readSecret);
    setTls(auth, data['ca.crt'], data['tls.crt'], data['tls.key'], spec.certSecretRef.name);
  }
  return auth;
}

async function get(namespace: string, name: string, readSecret: SecretReader): Promise<Record<string, string>> {
  const data = await readSecret(namespace, name);
  if (!data) throw new RepositoryAuthError(`failed to get secret '${namespace}/${name}': secrets "${name}" not found`);
  return data;
}

function setTls(
  auth: RepositoryAuth,
  ca: string | undefined,
  cert: string | undefined,
  key: string | undefined,
  secret: string,
): void {
  if ((cert === undefined) !== (key === undefined)) {
    throw new RepositoryAuthError(
      `invalid '${secret}' secret data: a client certificate needs both tls.crt and tls.key`,
    );
  }
  if (ca !== undefined) auth.caCert = ca;
  if (cert !== undefined) auth.clientCert = cert;
  if (key !== undefined) auth.clientKey = key;
}

/** Whether a fetch error looks like an authentication failure (source-controller's string test). */
export function isAuthFailure(message: string): boolean {
  return ['401', 'unauthorized', 'authentication required', 'tls', 'unknown certificate authority', 'certificate'].some(
    (s) => message.toLowerCase().includes(s),
  );
}
