// GitHub commit statuses: POST {api}/repos/{owner}/{repo}/statuses/{sha} (REST API 2022-11-28).
import { commitStatusNotifier } from './commit-status.ts';
import type { CommitState } from './commit-status.ts';
import { invalidConfig } from './errors.ts';
import { required } from './format.ts';
import { parseGitAddress } from './git-address.ts';
import type { NotifierFactory, ProviderConfig } from './types.ts';

/** GitHub's limit on `description`. */
export const GitHubDescriptionLimit = 140;

const STATES: Record<CommitState, string> = { pending: 'pending', success: 'success', failure: 'failure' };

/**
 * The API base and repository of a GitHub address: `github.com` → `https://api.github.com`, any
 * other host is GitHub Enterprise Server at `<scheme>://<host>/api/v3`. The path must be `owner/repo`.
 */
export function githubRepository(cfg: ProviderConfig): { apiBase: string; owner: string; repo: string } {
  const addr = parseGitAddress(cfg.address);
  if (!addr || addr.segments.length !== 2) {
    throw invalidConfig(cfg.type, 'spec.address must be a repository URL such as https://github.com/<owner>/<repo>');
  }
  const [owner = '', repo = ''] = addr.segments;
  const host = addr.host.toLowerCase();
  const apiBase =
    host === 'github.com' || host === 'www.github.com'
      ? 'https://api.github.com'
      : `${addr.scheme}://${addr.host}/api/v3`;
  return { apiBase, owner, repo };
}

/** The headers of every GitHub REST call (API version 2022-11-28, bearer token). */
export function githubHeaders(token: string): Record<string, string> {
  return {
    accept: 'application/vnd.github+json',
    authorization: `Bearer ${token}`,
    'x-github-api-version': '2022-11-28',
    'user-agent': 'driftless-notification',
  };
}

/** Posts GitHub commit statuses; needs a token with `repo:status` (classic) or "Commit statuses: write". */
export const github: NotifierFactory = (cfg) => {
  const { apiBase, owner, repo } = githubRepository(cfg);
  const token = required(cfg, cfg.token, 'the Secret key "token"');
  const base = `${apiBase}/repos/${owner}/${repo}/statuses`;
  return commitStatusNotifier(cfg, {
    descriptionLimit: GitHubDescriptionLimit,
    repoKey: `${apiBase}/${owner}/${repo}`,
    request: (s) => ({
      method: 'POST',
      url: `${base}/${s.sha}`,
      showPath: true,
      headers: githubHeaders(token),
      body: {
        state: STATES[s.state],
        context: s.context,
        description: s.description,
        ...(s.targetUrl ? { target_url: s.targetUrl } : {}),
      },
    }),
  });
};
