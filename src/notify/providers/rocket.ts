// Rocket.Chat: incoming webhook integration, which accepts Slack's attachment payload.
import { requireHttpUrl } from './format.ts';
import { requestNotifier } from './http.ts';
import { checkSlackBody, slackPayload } from './slack.ts';
import type { NotifierFactory } from './types.ts';

/** Posts Slack-format messages to a Rocket.Chat webhook URL. */
export const rocket: NotifierFactory = (cfg) => {
  requireHttpUrl(cfg);
  return requestNotifier(cfg, (event) => ({
    method: 'POST',
    url: cfg.address,
    body: slackPayload(event, { username: cfg.username, channel: cfg.channel }),
    check: checkSlackBody,
  }));
};
