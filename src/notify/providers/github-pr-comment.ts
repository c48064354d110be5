// GitHub pull request comments through the issues API (REST 2022-11-28), one per Flux object.
import { changeRequestCommentNotifier, issueCommentForge } from './change-request-comment.ts';
import { required } from './format.ts';
import { githubHeaders, githubRepository } from './github.ts';
import type { NotifierFactory } from './types.ts';

/** `githubpullrequestcomment`: needs a token allowed to read and write pull request comments. */
export const githubpullrequestcomment: NotifierFactory = (cfg) => {
  const { apiBase, owner, repo } = githubRepository(cfg);
  const token = required(cfg, cfg.token, 'the Secret key "token"');
  // Listed oldest first (GitHub orders issue comments by ascending ID); 100 is the page maximum.
  return changeRequestCommentNotifier(
    cfg,
    issueCommentForge(apiBase, `${apiBase}/repos/${owner}/${repo}`, githubHeaders(token), 'per_page=100'),
  );
};
