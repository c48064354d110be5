// Typed delivery errors. Their messages are built from scrubbed parts only, so they can go into
// events, logs and conditions without leaking tokens, passwords, secret headers or webhook URLs.

/** Why a notification failed; `DeliveryFailed` and friends map to Flux's `NotificationDispatchFailed` event. */
export const NotificationReasons = {
  /** The Provider cannot be used as configured (bad address, missing token or channel, bad expression). */
  InvalidConfig: 'InvalidProviderConfig',
  /** No factory is registered for the Provider type. */
  UnsupportedType: 'UnsupportedProviderType',
  /** The event lacks what the provider needs (e.g. a commit SHA for a commit status). */
  InvalidEvent: 'InvalidEvent',
  /** The service answered with an error status (or an error body, e.g. Slack's `ok: false`). */
  DeliveryFailed: 'DeliveryFailed',
  /** The post's time budget ran out. */
  Timeout: 'DeliveryTimeout',
  /** The connection failed (DNS, refused, reset, TLS). */
  Network: 'NetworkError',
  /** The caller cancelled the post. */
  Aborted: 'DeliveryAborted',
} as const;

/** A `NotificationReasons` value. */
export type NotificationReason = (typeof NotificationReasons)[keyof typeof NotificationReasons];

/** Flux's warning-event reason for any failed dispatch, for the caller that records the event. */
export const NotificationDispatchFailedReason = 'NotificationDispatchFailed';

/** A notification that could not be built or delivered. */
export class NotificationError extends Error {
  override readonly name: string = 'NotificationError';
  readonly reason: NotificationReason;
  /** The provider type, e.g. `github`. */
  readonly providerType: string;
  /** HTTP status of the last answer, when there was one. */
  readonly status: number | undefined;
  /** HTTP requests made for this post. */
  readonly attempts: number;

  constructor(options: {
    reason: NotificationReason;
    providerType: string;
    message: string;
    status?: number;
    attempts?: number;
  }) {
    super(`${options.providerType} notification failed: ${options.message}`);
    this.reason = options.reason;
    this.providerType = options.providerType;
    this.status = options.status;
    this.attempts = options.attempts ?? 0;
  }
}

/** Shorthand for an `InvalidProviderConfig` error whose message says which field to fix. */
export function invalidConfig(providerType: string, message: string): NotificationError {
  return new NotificationError({ reason: NotificationReasons.InvalidConfig, providerType, message });
}

/**
 * Replaces every occurrence of each secret (4 characters or longer, so that short common strings
 * are not mangled) and its URL-encoded form with `***`.
 */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  const all = secrets.flatMap((s) => [s, encodeURIComponent(s)]).filter((s) => s.length >= 4);
  // Longest first, so a secret that contains another is removed whole.
  for (const secret of [...new Set(all)].sort((a, b) => b.length - a.length)) out = out.split(secret).join('***');
  return out;
}

/**
 * The strings of a configuration that must never be shown: token, password, header values, proxy
 * credentials, and the address's userinfo, query values and long (20+ characters) path segments,
 * where webhook URLs embed their secret.
 */
export function secretsOf(cfg: {
  token?: string | undefined;
  password?: string | undefined;
  headers?: Record<string, string> | undefined;
  proxy?: string | undefined;
  address?: string | undefined;
}): string[] {
  const out: string[] = [];
  for (const s of [cfg.token, cfg.password, ...Object.values(cfg.headers ?? {})]) if (s) out.push(s);
  for (const raw of [cfg.address, cfg.proxy]) {
    if (!raw) continue;
    try {
      const u = new URL(raw);
      if (u.password) out.push(decodeURIComponent(u.password), u.password);
      if (u.username) out.push(decodeURIComponent(u.username));
      // Webhook secrets live in the path (Slack, Discord, Teams) or the query (Google Chat key/token).
      for (const part of u.pathname.split('/')) if (part.length >= 20) out.push(part, decodeURIComponent(part));
      for (const value of u.searchParams.values()) out.push(value);
    } catch {
      // Not a URL (e.g. an ssh repository address): nothing embedded to hide beyond the raw text's own parts.
      out.push(...raw.split(/[/:@?&=]/).filter((p) => p.length >= 20));
    }
  }
  return out;
}
