// `generic-hmac`: `generic` plus `X-Signature: sha256=<hex HMAC-SHA256 of the body keyed by the token>`.
import { createHmac } from 'node:crypto';
import { genericRequest } from './generic.ts';
import { required, requireHttpUrl } from './format.ts';
import { requestNotifier } from './http.ts';
import type { NotifierFactory } from './types.ts';

/** The `X-Signature` value for `body` signed with `key`. */
export function hmacSignature(body: string, key: string): string {
  return `sha256=${createHmac('sha256', key).update(body).digest('hex')}`;
}

/** Forwards events like `generic`, signed so the receiver can verify them; requires the Secret key `token`. */
export const genericHmac: NotifierFactory = (cfg) => {
  requireHttpUrl(cfg);
  const key = required(cfg, cfg.token, 'the Secret key "token" (the HMAC key)');
  return requestNotifier(cfg, (event) => {
    const request = genericRequest(cfg, event);
    return { ...request, headers: { ...request.headers, 'x-signature': hmacSignature(request.body, key) } };
  });
};
