// Registry authentication inputs: the `WWW-Authenticate` challenge and `kubernetes.io/dockerconfigjson`
// credentials. Pure parsing; the client performs the exchanges.
import { OciAuthError } from './errors.ts';

/** Username and password for one registry (never logged, never in an error message). */
export interface RegistryCredentials {
  username: string;
  password: string;
}

/** A parsed `WWW-Authenticate` challenge: the scheme (lowercased) and its parameters (keys lowercased). */
export interface AuthChallenge {
  scheme: string;
  params: Record<string, string>;
}

/**
 * Parses the first challenge of a `WWW-Authenticate` header, e.g.
 * `Bearer realm="https://auth.example/token",service="registry",scope="repository:app:pull"`.
 * Quoted values may hold commas and `\"` escapes. Returns undefined for an empty or garbled header.
 */
export function parseAuthChallenge(header: string | null | undefined): AuthChallenge | undefined {
  if (!header) return undefined;
  const m = /^\s*([A-Za-z][A-Za-z0-9._~+/-]*)\s*(.*)$/s.exec(header);
  if (!m) return undefined;
  const scheme = (m[1] ?? '').toLowerCase();
  const params: Record<string, string> = {};
  let rest = m[2] ?? '';
  const param = /^\s*,?\s*([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*/s;
  for (;;) {
    const p = param.exec(rest);
    if (!p) break;
    const key = (p[1] ?? '').toLowerCase();
    params[key] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : (p[3] ?? '');
    rest = rest.slice(p[0].length);
    // A second challenge (`, Basic realm=…`) starts with a bare token: stop at the first challenge.
    if (
      /^\s*,?\s*[A-Za-z][A-Za-z0-9._~+/-]*\s+[A-Za-z]/.test(rest) &&
      !/^\s*,?\s*[A-Za-z][A-Za-z0-9_-]*\s*=/.test(rest)
    )
      break;
  }
  return { scheme, params };
}

/** The Docker Hub aliases a dockerconfigjson may use for `index.docker.io`. */
const DockerHubAliases = new Set(['index.docker.io', 'docker.io', 'registry-1.docker.io']);

/** The registry host a dockerconfigjson key names: `https://host/v1/` and `host` both give `host`. */
export function normalizeRegistryKey(key: string): string {
  const host = key.replace(/^[a-z]+:\/\//i, '').split('/')[0] ?? '';
  return host.toLowerCase();
}

/**
 * The credentials for `registry` in a `.dockerconfigjson` document (`{"auths": {host: {username,
 * password} | {auth: base64(user:pass)}}}`), or undefined when it has none for that host. Throws
 * OciAuthError when the document is not valid JSON; the message never echoes the content.
 */
export function credentialsFromDockerConfig(json: string, registry: string): RegistryCredentials | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch {
    throw new OciAuthError(`the .dockerconfigjson value is not valid JSON`);
  }
  const auths = (doc as { auths?: Record<string, unknown> } | null)?.auths;
  if (typeof auths !== 'object' || auths === null) return undefined;
  const want = registry.toLowerCase();
  const hub = DockerHubAliases.has(want);
  for (const [key, value] of Object.entries(auths)) {
    const host = normalizeRegistryKey(key);
    if (host !== want && !(hub && DockerHubAliases.has(host))) continue;
    const entry = value as { username?: unknown; password?: unknown; auth?: unknown };
    if (typeof entry.username === 'string' && typeof entry.password === 'string' && entry.username !== '') {
      return { username: entry.username, password: entry.password };
    }
    if (typeof entry.auth === 'string' && entry.auth !== '') {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon <= 0)
        throw new OciAuthError(`the .dockerconfigjson 'auth' value for '${host}' is not base64 of 'user:password'`);
      return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    }
  }
  return undefined;
}

/** `Basic <base64(user:password)>`. */
export function basicAuthorization(c: RegistryCredentials): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
}
