import type { ReceiverValidator } from '../types.ts';
import { accept, parsePayload, reject, requireToken, verifyHexMac } from './common.ts';

/** `nexus`: `X-Nexus-Webhook-Signature` is the bare hex HMAC-SHA1 of the body; the payload must carry `action` and `repositoryName`. */
export function createNexusValidator(): ReceiverValidator {
  return {
    validate(req, receiver) {
      const signature = req.headers.get('x-nexus-webhook-signature');
      const problem =
        requireToken(receiver.token) ??
        (signature === null || signature === ''
          ? reject('missing X-Nexus-Webhook-Signature header')
          : verifyHexMac({
              header: 'X-Nexus-Webhook-Signature',
              algorithm: 'sha1',
              hex: signature,
              key: receiver.token,
              body: req.body,
            }));
      if (problem) return problem;
      const parsed = parsePayload(req.body, 'Nexus', { action: 'string', repositoryName: 'string' });
      if (!parsed.ok) return parsed.result;
      return accept(`Nexus ${parsed.payload['action'] as string} in ${parsed.payload['repositoryName'] as string}`);
    },
  };
}
