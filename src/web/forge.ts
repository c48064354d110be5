// Links from a revision to its commit on a known forge (GitHub, GitLab, Codeberg, Bitbucket).

const forges: Record<string, (repo: string, sha: string) => string> = {
  'github.com': (repo, sha) => `https://github.com/${repo}/commit/${sha}`,
  'gitlab.com': (repo, sha) => `https://gitlab.com/${repo}/-/commit/${sha}`,
  'codeberg.org': (repo, sha) => `https://codeberg.org/${repo}/commit/${sha}`,
  'bitbucket.org': (repo, sha) => `https://bitbucket.org/${repo}/commits/${sha}`,
};

/**
 * The commit page of `revision` (`main@sha1:<sha>`, `sha1:<sha>`, `refs/…@sha1:<sha>`) in the Git
 * repository at `repoUrl` (https:// or ssh://), when the host is a known forge; undefined otherwise.
 * Only hex digests and path-safe repository names are put in the link.
 */
export function commitUrl(repoUrl: string | undefined, revision: string | undefined): string | undefined {
  if (!repoUrl || !revision) return undefined;
  const sha = /(?:^|@)sha1:([0-9a-f]{7,40})$/.exec(revision)?.[1];
  if (!sha) return undefined;
  let url: URL;
  try {
    url = new URL(repoUrl);
  } catch {
    return undefined;
  }
  if (!['https:', 'http:', 'ssh:'].includes(url.protocol)) return undefined;
  const link = forges[url.hostname.toLowerCase()];
  const repo = url.pathname.replace(/^\/+|\/+$/g, '').replace(/\.git$/, '');
  if (!link || !/^[\w.-]+(\/[\w.-]+)+$/.test(repo)) return undefined;
  return link(repo, sha);
}
