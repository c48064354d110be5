import type { ReceiverValidator } from '../types.ts';
import { accept, filterEvent, reject, requireToken, secretEquals } from './common.ts';

/** `gitlab`: `X-Gitlab-Token` equals the receiver token (constant time); `X-Gitlab-Event` filtered by `spec.events`. */
export function createGitLabValidator(): ReceiverValidator {
  return {
    validate(req, receiver) {
      const missingToken = requireToken(receiver.token);
      if (missingToken) return missingToken;
      const presented = req.headers.get('x-gitlab-token');
      if (presented === null || presented === '') return reject('missing X-Gitlab-Token header');
      if (!secretEquals(presented, receiver.token)) return reject('X-Gitlab-Token does not match the receiver token');
      const event = req.headers.get('x-gitlab-event');
      return (
        filterEvent({ header: 'X-Gitlab-Event', value: event, events: receiver.spec.events }) ??
        accept(`GitLab event "${event ?? ''}"`)
      );
    },
  };
}
