import { createHash } from 'node:crypto';

/** Prefix of every receiver URL (notification-controller `ReceiverWebhookPath`). */
export const WEBHOOK_PATH_PREFIX = '/hook/';

/**
 * The Receiver's `status.webhookPath`: `/hook/` + hex(sha256(token + name + namespace)), byte for byte
 * what notification-controller computes, so a URL configured for Flux keeps working.
 */
export function webhookPath(token: string, name: string, namespace: string): string {
  return (
    WEBHOOK_PATH_PREFIX +
    createHash('sha256')
      .update(token + name + namespace)
      .digest('hex')
  );
}

/** True for a string shaped like a webhook path (`/hook/` + 64 lowercase hex digits). */
export function isWebhookPath(path: string): boolean {
  return /^\/hook\/[0-9a-f]{64}$/.test(path);
}
