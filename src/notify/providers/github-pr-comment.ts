// GitHub pull request comments through the issues API (REST 2022-11-28), one per Flux object.
import { changeRequestCommentNotifier, readComment } from './change-request-comment.ts';
import { required } from './format.ts';
import { githubRepository } from './github.ts';
import type { NotifierFactory } from './types.ts';

/** `githubpullrequestcomment`: needs a token allowed to read and write pull request comments. */
export const githubpullrequestcomment: NotifierFactory = (cfg) => {
  const { apiBase, owner, repo } = githubRepository(cfg);
  const token = required(cfg, cfg.token, 'the Secret key "token"');
  const headers = {
    accept: 'application/vnd.github+json',
    authorization: `Bearer ${token}`,
    'x-github-api-version': '2022-11-28',
    'user-agent': 'driftless-notification',
  };
  const repoUrl = `${apiBase}/repos/${owner}/${repo}`;
  return changeRequestCommentNotifier(cfg, {
    keyPrefix: 'flux-pr-comment-key',
    currentUser: { method: 'GET', url: `${apiBase}/user`, headers, showPath: true },
    login: (user) => user['login'],
    // Listed oldest first (GitHub orders issue comments by ascending ID); 100 is the page maximum.
    list: (n) => ({ method: 'GET', url: `${repoUrl}/issues/${n}/comments?per_page=100`, headers, showPath: true }),
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
