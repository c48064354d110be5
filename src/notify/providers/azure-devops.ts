// Azure DevOps commit statuses: POST {org}/{project}/_apis/git/repositories/{repo}/commits/{sha}/statuses.
import { commitStatusNotifier, summaryOf } from './commit-status.ts';
import type { CommitState } from './commit-status.ts';
import { invalidConfig } from './errors.ts';
import { required } from './format.ts';
import { parseGitAddress } from './git-address.ts';
import type { NotifierFactory, ProviderConfig } from './types.ts';

/** The REST API version requested. */
export const AzureDevOpsApiVersion = '7.1';

/** Description cap (no documented limit; keeps the status list readable). */
export const AzureDevOpsDescriptionLimit = 255;

/** Flux's state mapping: info → succeeded, error → error; pending for Progressing events. */
export function azureDevOpsState(state: CommitState): string {
  return state === 'pending' ? 'pending' : state === 'success' ? 'succeeded' : 'error';
}

/**
 * `https://dev.azure.com/<org>/<project>` (or `https://<org>.visualstudio.com/<project>`) and the
 * repository, from `https://[user@]dev.azure.com/<org>/<project>/_git/<repo>`,
 * `https://<org>.visualstudio.com/[DefaultCollection/]<project>/_git/<repo>` or
 * `git@ssh.dev.azure.com:v3/<org>/<project>/<repo>`.
 */
export function azureDevOpsRepository(cfg: ProviderConfig): { projectUrl: string; repo: string } {
  const addr = parseGitAddress(cfg.address);
  const fail = () =>
    invalidConfig(cfg.type, 'spec.address must look like https://dev.azure.com/<org>/<project>/_git/<repo>');
  if (!addr) throw fail();
  const s = addr.segments;
  const host = addr.host.toLowerCase();
  if (host === 'ssh.dev.azure.com' && s.length === 4 && s[0] === 'v3') {
    return { projectUrl: `https://dev.azure.com/${s[1]}/${s[2]}`, repo: s[3] ?? '' };
  }
  const git = s.indexOf('_git');
  if (git < 1 || git !== s.length - 2) throw fail();
  const repo = s[git + 1] ?? '';
  if (host.endsWith('.visualstudio.com')) {
    const project = s[git - 1] ?? '';
    return { projectUrl: `${addr.scheme}://${addr.host}/${project}`, repo };
  }
  if (git !== 2) throw fail();
  return { projectUrl: `${addr.scheme}://${addr.host}/${s[0]}/${s[1]}`, repo };
}

/** Posts Azure DevOps commit statuses with a personal access token (Basic auth, empty user). */
export const azuredevops: NotifierFactory = (cfg) => {
  const { projectUrl, repo } = azureDevOpsRepository(cfg);
  const token = required(cfg, cfg.token, 'the Secret key "token" (a personal access token)');
  const authorization = `Basic ${Buffer.from(`:${token}`).toString('base64')}`;
  const repoUrl = `${projectUrl}/_apis/git/repositories/${repo}`;
  return commitStatusNotifier(cfg, {
    descriptionLimit: AzureDevOpsDescriptionLimit,
    repoKey: repoUrl,
    request: (s) => {
      const summary = summaryOf(s.event);
      return {
        method: 'POST',
        url: `${repoUrl}/commits/${s.sha}/statuses?api-version=${AzureDevOpsApiVersion}`,
        showPath: true,
        headers: { authorization },
        body: {
          state: azureDevOpsState(s.state),
          description: s.description,
          context: { genre: summary ? `fluxcd:${summary}` : 'fluxcd', name: s.context },
          ...(s.targetUrl ? { targetUrl: s.targetUrl } : {}),
        },
      };
    },
  });
};
