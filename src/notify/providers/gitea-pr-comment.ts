// Gitea (and Forgejo) pull request comments through the issue comments API (v1), one per Flux object.
import { changeRequestCommentNotifier, issueCommentForge } from './change-request-comment.ts';
import { required } from './format.ts';
import { giteaRepository } from './gitea.ts';
import type { NotifierFactory } from './types.ts';

/** `giteapullrequestcomment`: a token with at least `write:issue`. */
export const giteapullrequestcomment: NotifierFactory = (cfg) => {
  const { apiBase, owner, repo } = giteaRepository(cfg);
  const token = required(cfg, cfg.token, 'the Secret key "token"');
  // The first page of 100, as Flux's Gitea client asks for it.
  return changeRequestCommentNotifier(
    cfg,
    issueCommentForge(
      apiBase,
      `${apiBase}/repos/${owner}/${repo}`,
      { authorization: `token ${token}` },
      'page=1&limit=100',
    ),
  );
};
