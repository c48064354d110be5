// GitLab merge request notes (REST v4), one per Flux object.
import { changeRequestCommentNotifier, readComment } from './change-request-comment.ts';
import { required } from './format.ts';
import { gitlabProject } from './gitlab.ts';
import type { NotifierFactory } from './types.ts';

/** `gitlabmergerequestcomment`: a token with the `api` scope (the Secret's `password` when `token` is empty, as Flux). */
export const gitlabmergerequestcomment: NotifierFactory = (cfg) => {
  const { apiBase, projectId } = gitlabProject(cfg);
  const token = required(cfg, cfg.token || cfg.password, 'the Secret key "token"');
  const headers = { 'private-token': token };
  const mr = (n: number): string => `${apiBase}/projects/${projectId}/merge_requests/${n}/notes`;
  return changeRequestCommentNotifier(cfg, {
    keyPrefix: 'flux-mr-comment-key',
    currentUser: { method: 'GET', url: `${apiBase}/user`, headers, showPath: true },
    login: (user) => user['username'],
    list: (n) => ({
      method: 'GET',
      url: `${mr(n)}?order_by=created_at&sort=asc&per_page=100`,
      headers,
      showPath: true,
    }),
    comment: (c) => readComment(c, 'author', 'username'),
    update: (n, id, body) => ({ method: 'PUT', url: `${mr(n)}/${id}`, headers, showPath: true, body: { body } }),
    create: (n, body) => ({ method: 'POST', url: mr(n), headers, showPath: true, body: { body } }),
  });
};
