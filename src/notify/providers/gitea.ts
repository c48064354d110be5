// Gitea (and Forgejo) commit statuses: POST {host}/api/v1/repos/{owner}/{repo}/statuses/{sha}.
import { commitStatusNotifier } from './commit-status.ts';
import { invalidConfig } from './errors.ts';
import { required } from './format.ts';
import { parseGitAddress } from './git-address.ts';
import type { NotifierFactory, ProviderConfig } from './types.ts';

/** Gitea has no documented limit; 255 keeps the status list readable and fits every backing database. */
export const GiteaDescriptionLimit = 255;

/** `<scheme>://<host>/api/v1` and `owner/repo` of a Gitea address. */
export function giteaRepository(cfg: ProviderConfig): { apiBase: string; owner: string; repo: string } {
  const addr = parseGitAddress(cfg.address);
  if (!addr || addr.segments.length !== 2) {
    throw invalidConfig(
      cfg.type,
      'spec.address must be a repository URL such as https://gitea.example.com/<owner>/<repo>',
    );
  }
  const [owner = '', repo = ''] = addr.segments;
  return { apiBase: `${addr.scheme}://${addr.host}/api/v1`, owner, repo };
}

/** Posts Gitea commit statuses (`pending`, `success`, `failure`) with `Authorization: token <token>`. */
export const gitea: NotifierFactory = (cfg) => {
  const { apiBase, owner, repo } = giteaRepository(cfg);
  const token = required(cfg, cfg.token, 'the Secret key "token"');
  return commitStatusNotifier(cfg, {
    descriptionLimit: GiteaDescriptionLimit,
    repoKey: `${apiBase}/${owner}/${repo}`,
    request: (s) => ({
      method: 'POST',
      url: `${apiBase}/repos/${owner}/${repo}/statuses/${s.sha}`,
      showPath: true,
      headers: { authorization: `token ${token}` },
      body: {
        state: s.state,
        context: s.context,
        description: s.description,
        ...(s.targetUrl ? { target_url: s.targetUrl } : {}),
      },
    }),
  });
};
