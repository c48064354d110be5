// GitHub repository_dispatch: POST {api}/repos/{owner}/{repo}/dispatches with the whole event as client_payload.
import { required } from './format.ts';
import { githubHeaders, githubRepository } from './github.ts';
import { requestNotifier } from './http.ts';
import type { NotifierFactory } from './types.ts';

/**
 * `githubdispatch`, as Flux's: `event_type` is `<Kind>/<name>.<namespace>` and `client_payload` the
 * event (metadata merged with the Alert's). Needs a token allowed to dispatch ("Contents: write").
 */
export const githubdispatch: NotifierFactory = (cfg) => {
  const { apiBase, owner, repo } = githubRepository(cfg);
  const token = required(cfg, cfg.token, 'the Secret key "token"');
  return requestNotifier(cfg, (event) => {
    const o = event.involvedObject;
    return {
      method: 'POST',
      url: `${apiBase}/repos/${owner}/${repo}/dispatches`,
      showPath: true,
      headers: githubHeaders(token),
      body: { event_type: `${o.kind}/${o.name}.${o.namespace}`, client_payload: event },
    };
  });
};
