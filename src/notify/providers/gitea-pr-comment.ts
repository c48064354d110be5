// Gitea (and Forgejo) pull request comments through the issue comments API (v1), one per Flux object.
import { changeRequestCommentNotifier, readComment } from './change-request-comment.ts';
import { required } from './format.ts';
import { giteaRepository } from './gitea.ts';
import type { NotifierFactory } from './types.ts';

/** `giteapullrequestcomment`: a token with at least `write:issue`. */
export const giteapullrequestcomment: NotifierFactory = (cfg) => {
  const { apiBase, owner, repo } = giteaRepository(cfg);
  const token = required(cfg, cfg.token, 'the Secret key "token"');
  const headers = { authorization: `token ${token}` };
  const repoUrl = `${apiBase}/repos/${owner}/${repo}`;
  return changeRequestCommentNotifier(cfg, {
    keyPrefix: 'flux-pr-comment-key',
    currentUser: { method: 'GET', url: `${apiBase}/user`, headers, showPath: true },
    login: (user) => user['login'],
    list: (n) => ({ method: 'GET', url: `${repoUrl}/issues/${n}/comments?page=1&limit=100`, headers, showPath: true }),
    comment: (c) => readComment(c, 'user', 'login'),
    update: (_n, id, body) => ({
      method: 'PATCH',
      url: `${repoUrl}/issues/comments/${id}`,
      headers,
      showPath: true,
      body: { body },
    }),
    create: (n, body) => ({
      method: 'POST',
      url: `${repoUrl}/issues/${n}/comments`,
      headers,
      showPath: true,
      body: { body },
    }),
  });
};
