import type { ReceiverValidator } from '../types.ts';
import { accept, parsePayload } from './common.ts';

/**
 * `dockerhub`: Docker Hub signs nothing, so the secret path authenticates; the callback payload must
 * carry `push_data.tag` and `repository.repo_name` as strings.
 */
export function createDockerHubValidator(): ReceiverValidator {
  return {
    validate(req) {
      const parsed = parsePayload(req.body, 'Docker Hub', {
        push_data: 'object',
        'push_data.tag': 'string',
        repository: 'object',
        'repository.repo_name': 'string',
      });
      if (!parsed.ok) return parsed.result;
      const repo = (parsed.payload['repository'] as Record<string, unknown>)['repo_name'] as string;
      const tag = (parsed.payload['push_data'] as Record<string, unknown>)['tag'] as string;
      return accept(`Docker Hub push ${repo}:${tag}`);
    },
  };
}
