// Discord: the webhook's Slack-compatible endpoint (`<webhook>/slack`) with Slack's payload.
import { requireHttpUrl } from './format.ts';
import { requestNotifier } from './http.ts';
import { checkSlackBody, slackPayload } from './slack.ts';
import type { NotifierFactory } from './types.ts';

/** Posts to `<address>/slack` (unless the address already ends so), as Flux does. */
export const discord: NotifierFactory = (cfg) => {
  const url = requireHttpUrl(cfg);
  if (!url.pathname.replace(/\/+$/, '').endsWith('/slack')) url.pathname = `${url.pathname.replace(/\/+$/, '')}/slack`;
  const target = url.toString();
  return requestNotifier(cfg, (event) => ({
    method: 'POST',
    url: target,
    body: slackPayload(event, { username: cfg.username, channel: cfg.channel }),
    check: checkSlackBody,
  }));
};
