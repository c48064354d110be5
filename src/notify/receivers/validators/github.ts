import type { ReceiverValidator } from '../types.ts';
import { accept, filterEvent, reject, requireToken, verifyPrefixedSignature } from './common.ts';

// The two body encodings a GitHub webhook can be configured with (go-github ValidatePayload accepts the same).
const CONTENT_TYPES = ['application/json', 'application/x-www-form-urlencoded'];

/**
 * `github` (also Gitea): HMAC in `X-Hub-Signature-256` (`sha256=`), or, when only the legacy header is
 * sent, `X-Hub-Signature` (`sha1=`); `X-GitHub-Event` filtered by `spec.events`, case-insensitive.
 * A `ping` (sent when the hook is created) is accepted without triggering.
 */
export function createGitHubValidator(): ReceiverValidator {
  return {
    validate(req, receiver) {
      const missingToken = requireToken(receiver.token);
      if (missingToken) return missingToken;
      const sha256 = req.headers.get('x-hub-signature-256');
      const sha1 = req.headers.get('x-hub-signature');
      // Each header is pinned to its own algorithm so a downgrade through the prefix is impossible.
      const problem =
        sha256 !== null || sha1 === null
          ? verifyPrefixedSignature({
              header: 'X-Hub-Signature-256',
              value: sha256,
              allowed: ['sha256'],
              key: receiver.token,
              body: req.body,
            })
          : verifyPrefixedSignature({
              header: 'X-Hub-Signature',
              value: sha1,
              allowed: ['sha1'],
              key: receiver.token,
              body: req.body,
            });
      if (problem) return problem;
      const mediaType = (req.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      if (!CONTENT_TYPES.includes(mediaType)) {
        return reject(
          `unsupported Content-Type "${mediaType}": GitHub sends application/json or application/x-www-form-urlencoded`,
        );
      }
      const event = req.headers.get('x-github-event');
      if (event?.toLowerCase() === 'ping') return { ok: true, ignored: 'GitHub ping' };
      return (
        filterEvent({ header: 'X-GitHub-Event', value: event, events: receiver.spec.events }) ??
        accept(`GitHub event "${event ?? ''}"`)
      );
    },
  };
}
