import type { ReceiverValidator } from '../types.ts';
import { accept, parsePayload } from './common.ts';

/** `quay`: the secret path authenticates; the repository notification must carry `docker_url` (and `updated_tags`, if any, as strings). */
export function createQuayValidator(): ReceiverValidator {
  return {
    validate(req) {
      const parsed = parsePayload(req.body, 'Quay', { docker_url: 'string', updated_tags: 'string[]?' });
      if (!parsed.ok) return parsed.result;
      return accept(`Quay event from ${parsed.payload['docker_url'] as string}`);
    },
  };
}
