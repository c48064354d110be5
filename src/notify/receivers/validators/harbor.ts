import type { ReceiverValidator } from '../types.ts';
import { accept, reject, requireToken, secretEquals } from './common.ts';

/** `harbor`: the `Authorization` header Harbor is configured to send equals the receiver token (constant time). */
export function createHarborValidator(): ReceiverValidator {
  return {
    validate(req, receiver) {
      const missingToken = requireToken(receiver.token);
      if (missingToken) return missingToken;
      const presented = req.headers.get('authorization');
      if (presented === null || presented === '') return reject('missing Authorization header');
      if (!secretEquals(presented, receiver.token))
        return reject('the Authorization header does not match the receiver token');
      return accept('Harbor event');
    },
  };
}
