// Bitbucket Cloud build statuses: POST https://api.bitbucket.org/2.0/repositories/{ws}/{repo}/commit/{sha}/statuses/build.
import { createHash } from 'node:crypto';
import { commitStatusNotifier } from './commit-status.ts';
import type { CommitState } from './commit-status.ts';
import { invalidConfig } from './errors.ts';
import { required } from './format.ts';
import { parseGitAddress } from './git-address.ts';
import type { NotifierFactory, ProviderConfig } from './types.ts';

/** The Bitbucket Cloud API. */
export const BitbucketApiBase = 'https://api.bitbucket.org/2.0';

/** Description cap used for both Bitbucket flavours. */
export const BitbucketDescriptionLimit = 255;

/** Bitbucket's build states. */
export function bitbucketState(state: CommitState): string {
  return state === 'pending' ? 'INPROGRESS' : state === 'success' ? 'SUCCESSFUL' : 'FAILED';
}

/** Bitbucket keys are limited to 40 characters, so Flux uses the sha1 hex of the context. */
export function bitbucketKey(context: string): string {
  return createHash('sha1').update(context).digest('hex');
}

/** Workspace and repository slug of a bitbucket.org address; other hosts are Bitbucket Server (type `bitbucketserver`). */
export function bitbucketRepository(cfg: ProviderConfig): { workspace: string; repo: string } {
  const addr = parseGitAddress(cfg.address);
  const host = addr?.host.toLowerCase();
  if (!addr || addr.segments.length !== 2 || (host !== 'bitbucket.org' && host !== 'www.bitbucket.org')) {
    throw invalidConfig(
      cfg.type,
      'spec.address must be a Bitbucket Cloud repository such as https://bitbucket.org/<workspace>/<repo> (use type bitbucketserver for self-hosted Bitbucket)',
    );
  }
  const [workspace = '', repo = ''] = addr.segments;
  return { workspace, repo };
}

/**
 * Posts Bitbucket Cloud build statuses. The token is `<username>:<app-password>` (Basic auth, as
 * in Flux) or, without a colon, an access token sent as Bearer.
 */
export const bitbucket: NotifierFactory = (cfg) => {
  const { workspace, repo } = bitbucketRepository(cfg);
  const token = required(cfg, cfg.token, 'the Secret key "token" (<username>:<app-password>)');
  const authorization = token.includes(':') ? `Basic ${Buffer.from(token).toString('base64')}` : `Bearer ${token}`;
  const repoPath = `${BitbucketApiBase}/repositories/${workspace}/${repo}`;
  return commitStatusNotifier(cfg, {
    descriptionLimit: BitbucketDescriptionLimit,
    repoKey: repoPath,
    request: (s) => ({
      method: 'POST',
      url: `${repoPath}/commit/${s.sha}/statuses/build`,
      showPath: true,
      headers: { authorization },
      body: {
        key: bitbucketKey(s.context),
        state: bitbucketState(s.state),
        name: s.context,
        description: s.description,
        url: s.targetUrl ?? `https://bitbucket.org/${workspace}/${repo}/commits/${s.sha}`,
      },
    }),
  });
};
