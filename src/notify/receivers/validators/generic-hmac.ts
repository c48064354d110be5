import type { ReceiverValidator } from '../types.ts';
import { accept, requireToken, verifyPrefixedSignature } from './common.ts';

/** `generic-hmac`: `X-Signature: <sha1|sha256|sha512>=<hex HMAC of the body keyed with the token>`. */
export function createGenericHmacValidator(): ReceiverValidator {
  return {
    validate(req, receiver) {
      return (
        requireToken(receiver.token) ??
        verifyPrefixedSignature({
          header: 'X-Signature',
          value: req.headers.get('x-signature'),
          allowed: ['sha1', 'sha256', 'sha512'],
          key: receiver.token,
          body: req.body,
        }) ??
        accept()
      );
    },
  };
}
