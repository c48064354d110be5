// Repository URL checks: a scheme allowlist and redaction, applied before git ever sees the URL.
import { GitUrlError } from './errors.ts';

/** Schemes the client accepts, like Flux's `^(http|https|ssh)://` validation. */
export const ALLOWED_GIT_SCHEMES = ['http:', 'https:', 'ssh:'] as const;

/** Returns the URL without userinfo, query or fragment, for messages and logs; unparsable input is scrubbed too. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    parsed.search = '';
    parsed.hash = '';
    return parsed.toString();
  } catch {
    // Not a URL: still drop anything that looks like userinfo or a query before echoing it.
    return url.replace(/\/\/[^/@\s]*@/g, '//').replace(/[?#].*$/s, '');
  }
}

/** Parses and checks a Git URL; throws `GitUrlError` for other schemes, a leading `-`, control chars or a password. */
export function validateGitUrl(url: string): URL {
  const shown = redactUrl(url);
  if (url.startsWith('-')) throw new GitUrlError(`invalid Git URL '${shown}': must not start with '-'`, { url: shown });
  // eslint-disable-next-line no-control-regex
  if (/[\s\x00-\x1f\x7f]/.test(url)) {
    throw new GitUrlError(`invalid Git URL '${shown}': must not contain whitespace or control characters`, {
      url: shown,
    });
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (err) {
    throw new GitUrlError(`invalid Git URL '${shown}': expected http://, https:// or ssh://<host>/<path>`, {
      url: shown,
      cause: err,
    });
  }
  if (!(ALLOWED_GIT_SCHEMES as readonly string[]).includes(parsed.protocol)) {
    throw new GitUrlError(
      `invalid Git URL '${shown}': scheme '${parsed.protocol.replace(/:$/, '')}' is not allowed, use http, https or ssh`,
      { url: shown },
    );
  }
  if (parsed.hostname === '') throw new GitUrlError(`invalid Git URL '${shown}': missing host`, { url: shown });
  if (parsed.password !== '') {
    throw new GitUrlError(
      `invalid Git URL '${shown}': credentials in the URL are not allowed, put them in the secretRef instead`,
      { url: shown },
    );
  }
  return parsed;
}
