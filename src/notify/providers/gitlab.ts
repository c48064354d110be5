// GitLab commit statuses: POST {host}/api/v4/projects/{url-encoded path}/statuses/{sha}.
import { commitStatusNotifier } from './commit-status.ts';
import type { CommitState } from './commit-status.ts';
import { invalidConfig } from './errors.ts';
import { required } from './format.ts';
import { parseGitAddress } from './git-address.ts';
import type { NotifierFactory, ProviderConfig } from './types.ts';

/** GitLab stores `description` in a 255-character column. */
export const GitLabDescriptionLimit = 255;

/** `<scheme>://<host>/api/v4` and the project id (`group/sub/project`, URL-encoded). Works for gitlab.com and self-managed. */
export function gitlabProject(cfg: ProviderConfig): { apiBase: string; projectId: string } {
  const addr = parseGitAddress(cfg.address);
  if (!addr || addr.segments.length < 2) {
    throw invalidConfig(cfg.type, 'spec.address must be a project URL such as https://gitlab.com/<group>/<project>');
  }
  const path = addr.segments.map((s) => decodeURIComponent(s)).join('/');
  return { apiBase: `${addr.scheme}://${addr.host}/api/v4`, projectId: encodeURIComponent(path) };
}

/** Posts GitLab commit statuses with a `PRIVATE-TOKEN` (api scope). */
export const gitlab: NotifierFactory = (cfg) => {
  const { apiBase, projectId } = gitlabProject(cfg);
  const token = required(cfg, cfg.token, 'the Secret key "token"');
  return commitStatusNotifier(cfg, {
    descriptionLimit: GitLabDescriptionLimit,
    repoKey: `${apiBase}/${projectId}`,
    request: (s) => ({
      method: 'POST',
      url: `${apiBase}/projects/${projectId}/statuses/${s.sha}`,
      showPath: true,
      headers: { 'private-token': token },
      body: {
        state: gitlabState(s.state),
        name: s.context,
        description: s.description,
        ...(s.targetUrl ? { target_url: s.targetUrl } : {}),
      },
      // GitLab refuses to re-enter the current state ("Cannot transition status via :run from :running");
      // the status is already what we want, as Flux also concludes.
      alreadyDone: (status, body) => status === 400 && body.includes('Cannot transition status'),
    }),
  });
};

/** pending → pending, success → success, failure → failed. */
export function gitlabState(state: CommitState): string {
  return state === 'failure' ? 'failed' : state;
}
