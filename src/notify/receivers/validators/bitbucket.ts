import type { ReceiverValidator } from '../types.ts';
import { accept, filterEvent, requireToken, verifyPrefixedSignature } from './common.ts';

/**
 * `bitbucket` (Server/Data Center, and Cloud hooks with a secret): HMAC in `X-Hub-Signature`
 * (`sha256=` as Bitbucket sends; `sha1=`/`sha512=` accepted like Flux); `X-Event-Key` filtered by
 * `spec.events`. The "Test connection" event `diagnostics:ping` is accepted without triggering.
 */
export function createBitbucketValidator(): ReceiverValidator {
  return {
    validate(req, receiver) {
      const problem =
        requireToken(receiver.token) ??
        verifyPrefixedSignature({
          header: 'X-Hub-Signature',
          value: req.headers.get('x-hub-signature'),
          allowed: ['sha256', 'sha1', 'sha512'],
          key: receiver.token,
          body: req.body,
        });
      if (problem) return problem;
      const event = req.headers.get('x-event-key');
      if (event?.toLowerCase() === 'diagnostics:ping') return { ok: true, ignored: 'Bitbucket ping' };
      return (
        filterEvent({ header: 'X-Event-Key', value: event, events: receiver.spec.events }) ??
        accept(`Bitbucket event "${event ?? ''}"`)
      );
    },
  };
}
