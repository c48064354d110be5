// Bitbucket Server / Data Center build statuses: POST {base}/rest/build-status/1.0/commits/{sha}.
import { bitbucketKey, bitbucketState, BitbucketDescriptionLimit } from './bitbucket.ts';
import { commitStatusNotifier } from './commit-status.ts';
import { invalidConfig } from './errors.ts';
import { authorization } from './format.ts';
import { parseGitAddress } from './git-address.ts';
import type { NotifierFactory, ProviderConfig } from './types.ts';

/**
 * The server base URL (with any context path) and project/repository of a Bitbucket Server address:
 * `https://host[/ctx]/scm/<project>/<repo>.git` or `ssh://git@host:7999/<project>/<repo>.git`.
 */
export function bitbucketServerRepository(cfg: ProviderConfig): { base: string; project: string; repo: string } {
  const addr = parseGitAddress(cfg.address);
  const scm = addr ? addr.segments.lastIndexOf('scm') : -1;
  const rest = addr ? (scm >= 0 ? addr.segments.slice(scm + 1) : addr.segments) : [];
  if (!addr || rest.length !== 2 || (scm < 0 && addr.segments.length !== 2)) {
    throw invalidConfig(
      cfg.type,
      'spec.address must be a repository URL such as https://bitbucket.example.com/scm/<project>/<repo>.git',
    );
  }
  const contextPath = scm > 0 ? `/${addr.segments.slice(0, scm).join('/')}` : '';
  const [project = '', repo = ''] = rest;
  return { base: `${addr.scheme}://${addr.host}${contextPath}`, project, repo };
}

/** Posts Bitbucket Server build statuses with a Bearer HTTP access token, or Basic username/password. */
export const bitbucketserver: NotifierFactory = (cfg) => {
  const { base, project, repo } = bitbucketServerRepository(cfg);
  const auth = authorization(cfg);
  if (!auth.authorization) {
    throw invalidConfig(cfg.type, 'the Secret needs "token", or "username" and "password"');
  }
  return commitStatusNotifier(cfg, {
    descriptionLimit: BitbucketDescriptionLimit,
    repoKey: `${base}/${project}/${repo}`,
    request: (s) => ({
      method: 'POST',
      url: `${base}/rest/build-status/1.0/commits/${s.sha}`,
      showPath: true,
      headers: auth,
      body: {
        state: bitbucketState(s.state),
        key: bitbucketKey(s.context),
        name: s.context,
        url: s.targetUrl ?? `${base}/projects/${project}/repos/${repo}/commits/${s.sha}`,
        description: s.description,
      },
    }),
  });
};
