// NATS: publishes the event (Flux's JSON) to the subject `spec.channel` on the server `address`.
// The NATS client (~300 KB with its NKey crypto) is imported on the first post: few installations use it.
import type { ConnectionOptions, NatsConnection } from '@nats-io/transport-node';
import { NotificationError, NotificationReasons, invalidConfig, redact, secretsOf } from './errors.ts';
import { withDeadline, DefaultTimeoutMs } from './http.ts';
import type { NotifierFactory } from './types.ts';

/**
 * `nats`, as Flux's: one connection per post (named "NATS Provider Publisher"), publish, flush, close.
 * Authentication in Flux's order: the Secret's `creds` (a user credentials file: JWT and NKey seed),
 * else `nkey` (an NKey seed), else `username` and `password` when both are set.
 */
export const nats: NotifierFactory = (cfg) => {
  if (!cfg.address) throw invalidConfig(cfg.type, 'NATS server (address) cannot be empty');
  const subject = cfg.channel ?? '';
  if (!subject) throw invalidConfig(cfg.type, 'NATS subject (spec.channel) cannot be empty');
  const servers = cfg.address.split(',').map((s) => s.trim());
  const secrets = [...secretsOf(cfg), ...[cfg.natsCreds, cfg.nkeySeed].filter((s): s is string => Boolean(s))];
  const auth = (client: typeof import('@nats-io/transport-node')): Partial<ConnectionOptions> =>
    cfg.natsCreds
      ? { authenticator: client.credsAuthenticator(new TextEncoder().encode(cfg.natsCreds)) }
      : cfg.nkeySeed
        ? { authenticator: client.nkeyAuthenticator(new TextEncoder().encode(cfg.nkeySeed.trim())) }
        : cfg.username && cfg.password
          ? { user: cfg.username, pass: cfg.password }
          : {};
  const fail = (reason: (typeof NotificationReasons)[keyof typeof NotificationReasons], message: string) => {
    cfg.observer?.failed?.(cfg.type, reason);
    return new NotificationError({ reason, providerType: cfg.type, message: redact(message, secrets) });
  };
  return {
    post: (event, ctx) =>
      withDeadline(cfg, ctx, async (signal) => {
        const budget = cfg.timeoutMs ?? DefaultTimeoutMs;
        let nc: NatsConnection | undefined;
        const work = (async () => {
          try {
            const client = await import('@nats-io/transport-node');
            nc = await client.connect({
              servers,
              name: 'NATS Provider Publisher',
              timeout: budget,
              reconnect: false,
              ...auth(client),
            });
          } catch (err) {
            throw fail(NotificationReasons.Network, `error connecting to server: ${(err as Error).message}`);
          }
          try {
            nc.publish(subject, JSON.stringify(event));
            await nc.flush();
          } catch (err) {
            throw fail(
              NotificationReasons.DeliveryFailed,
              `error publishing event to subject ${subject}: ${(err as Error).message}`,
            );
          }
          cfg.observer?.sent?.(cfg.type);
        })();
        const stopped = new Promise<never>((_, reject) => {
          const onAbort = () => {
            const timedOut = signal.reason instanceof DOMException && signal.reason.name === 'TimeoutError';
            reject(
              timedOut
                ? fail(NotificationReasons.Timeout, `NATS: no answer within ${budget} ms`)
                : fail(NotificationReasons.Aborted, 'NATS: cancelled'),
            );
          };
          if (signal.aborted) onAbort();
          else signal.addEventListener('abort', onAbort, { once: true });
          void work.finally(() => signal.removeEventListener('abort', onAbort)).catch(() => undefined);
        });
        try {
          await Promise.race([work, stopped]);
        } finally {
          void work.catch(() => undefined);
          await (nc as NatsConnection | undefined)?.close().catch(() => undefined);
        }
      }),
  };
};
