// Repository addresses of commit-status Providers: https, http, ssh:// and scp-like (git@host:path).

/** A repository address split into the parts forges need. */
export interface GitAddress {
  /** `https` for ssh addresses (the API is always HTTPS), else the URL's scheme. */
  scheme: 'https' | 'http';
  /** Host name, with the port for http(s) addresses; ssh ports are dropped (they are not API ports). */
  host: string;
  /** Path segments, still URL-encoded, with a trailing `.git` removed from the last one. */
  segments: string[];
}

/**
 * Parses a repository address. Returns undefined when it is not one of `https://host/path`,
 * `http://host/path`, `ssh://[user@]host[:port]/path` or `[user@]host:path`, or has no path.
 */
export function parseGitAddress(address: string): GitAddress | undefined {
  const raw = address.trim();
  let scheme: GitAddress['scheme'];
  let host: string;
  let path: string;
  const scp = /^(?:[^@/\s]+@)?([^:/\s]+):(?!\/\/)(.+)$/.exec(raw);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return undefined;
    }
    if (url.protocol === 'ssh:') {
      scheme = 'https';
      host = url.hostname;
    } else if (url.protocol === 'https:' || url.protocol === 'http:') {
      scheme = url.protocol === 'https:' ? 'https' : 'http';
      host = url.host;
    } else {
      return undefined;
    }
    path = url.pathname;
  } else if (scp) {
    scheme = 'https';
    host = scp[1] ?? '';
    path = scp[2] ?? '';
  } else {
    return undefined;
  }
  const segments = path.split('/').filter((s) => s !== '');
  const last = segments.length - 1;
  if (last >= 0) segments[last] = (segments[last] ?? '').replace(/\.git$/, '');
  if (!host || segments.length === 0 || segments.some((s) => s === '' || s === '.' || s === '..')) return undefined;
  return { scheme, host, segments };
}
