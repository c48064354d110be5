import type { ReceiverValidator } from '../types.ts';
import { accept, parsePayload } from './common.ts';

/** `acr`: the secret path authenticates; the Azure Container Registry event must carry `action` and `target.repository` (`target.tag` optional). */
export function createAcrValidator(): ReceiverValidator {
  return {
    validate(req) {
      const parsed = parsePayload(req.body, 'ACR', {
        action: 'string',
        target: 'object',
        'target.repository': 'string',
        'target.tag': 'string?',
      });
      if (!parsed.ok) return parsed.result;
      const target = parsed.payload['target'] as Record<string, unknown>;
      return accept(`ACR ${parsed.payload['action'] as string} ${target['repository'] as string}`);
    },
  };
}
