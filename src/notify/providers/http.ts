// The one HTTP path every provider uses: a deadline per post, bounded retries with backoff on
// 5xx/429/network errors, `Retry-After`, typed errors with secrets scrubbed, and delivery hooks.
import { retry } from '../../util/retry.ts';
import { NotificationError, NotificationReasons, redact, secretsOf } from './errors.ts';
import type { NotificationReason } from './errors.ts';
import { nodeFetch } from '../../util/http-transport.ts';
import type { FluxEvent } from '../event.ts';
import type { FetchLike, Notifier, PostContext, ProviderConfig } from './types.ts';

/** Flux's default `spec.timeout`. */
export const DefaultTimeoutMs = 15_000;

/** One request of a provider. */
export interface HttpRequest {
  method: 'POST' | 'PUT' | 'PATCH' | 'GET';
  url: string;
  headers?: Record<string, string>;
  /** Sent as is when a string, JSON-encoded otherwise; nothing is sent when undefined (GET). */
  body?: unknown;
  /** Default `application/json`. */
  contentType?: string;
  /** Whether errors may show the URL path; false (the default) for webhook URLs whose path is a secret. */
  showPath?: boolean;
  /** Inspects a 2xx answer (Slack's `ok: false`, Lark's `code`); returns an error detail to fail it. */
  check?: (body: string) => string | undefined;
  /** An error answer that means "already done" (GitLab's same-state transition); treated as success. */
  alreadyDone?: (status: number, body: string) => boolean;
}

/** A successful answer. */
export interface HttpAnswer {
  status: number;
  body: string;
}

/** Sends requests for one provider configuration. */
export interface HttpSender {
  send(request: HttpRequest, signal: AbortSignal): Promise<HttpAnswer>;
}

/**
 * Runs `fn` with a signal that aborts when `ctx.signal` does or when `cfg.timeoutMs` (default 15 s)
 * has elapsed, so one post, however many requests and retries it makes, stays within the budget.
 */
export async function withDeadline<T>(
  cfg: ProviderConfig,
  ctx: PostContext | undefined,
  fn: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const timeout = AbortSignal.timeout(cfg.timeoutMs ?? DefaultTimeoutMs);
  return fn(ctx?.signal ? AbortSignal.any([ctx.signal, timeout]) : timeout);
}

/**
 * An `HttpSender` for `cfg`. `extraSecrets` are scrubbed from errors besides those of `secretsOf`;
 * pass `includeAddress: false` for repository addresses, which are not secret and help debugging.
 */
export function httpSender(
  cfg: ProviderConfig,
  opts: { extraSecrets?: string[]; includeAddress?: boolean } = {},
): HttpSender {
  const transport: FetchLike =
    cfg.fetch ??
    nodeFetch({ caCert: cfg.caCert, clientCert: cfg.clientCert, clientKey: cfg.clientKey, proxy: cfg.proxy });
  const secrets = [
    ...secretsOf({ ...cfg, address: opts.includeAddress === false ? undefined : cfg.address }),
    ...(opts.extraSecrets ?? []),
  ];
  const attempts = Math.max(1, cfg.retry?.attempts ?? 3);
  const baseDelay = cfg.retry?.baseDelayMs ?? 250;
  const maxDelay = cfg.retry?.maxDelayMs ?? 5_000;
  const sleep = cfg.sleep;
  const type = cfg.type;

  const fail = (reason: NotificationReason, message: string, tries: number, status?: number): NotificationError => {
    cfg.observer?.failed?.(type, reason);
    return new NotificationError({
      reason,
      providerType: type,
      message: redact(message, secrets),
      status,
      attempts: tries,
    });
  };

  return {
    async send(request, signal) {
      const target = describeTarget(request);
      const body =
        request.body === undefined
          ? undefined
          : typeof request.body === 'string'
            ? request.body
            : JSON.stringify(request.body);
      const headers: Record<string, string> = {
        ...(body === undefined ? {} : { 'content-type': request.contentType ?? 'application/json' }),
        ...request.headers,
      };
      let last = '';
      let tried = 0;
      const once = async (attempt: number): Promise<HttpAnswer> => {
        tried = attempt;
        let res: Response;
        let text: string;
        try {
          res = await transport(request.url, {
            method: request.method,
            headers,
            signal,
            ...(body === undefined ? {} : { body }),
          });
          text = await res.text();
        } catch (err) {
          if (signal.aborted) throw aborted();
          last = `connection failed: ${networkDetail(err)}`;
          throw new RetryableFailure(NotificationReasons.Network);
        }
        if (res.ok || request.alreadyDone?.(res.status, text)) {
          const problem = res.ok ? request.check?.(text) : undefined;
          if (problem !== undefined) {
            throw fail(NotificationReasons.DeliveryFailed, `${target}: ${problem}`, attempt, res.status);
          }
          cfg.observer?.sent?.(type);
          return { status: res.status, body: text };
        }
        last = `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}${snippet(text)}`;
        if (!retryableStatus(res.status)) {
          throw fail(NotificationReasons.DeliveryFailed, `${target}: ${last}${tries(attempt)}`, attempt, res.status);
        }
        throw new RetryableFailure(
          NotificationReasons.DeliveryFailed,
          res.status,
          parseRetryAfter(res.headers.get('retry-after')),
        );
      };
      try {
        return await retry(once, {
          attempts,
          baseDelayMs: baseDelay,
          maxDelayMs: maxDelay,
          signal,
          // Without an injected sleep, retry's own timer, which the post's deadline cuts short.
          sleep: sleep && ((ms) => sleep(ms, signal)),
          retryable: (err) => err instanceof RetryableFailure,
          retryAfterMs: (err) => (err instanceof RetryableFailure ? err.retryAfterMs : undefined),
          onRetry: () => cfg.observer?.retried?.(type),
        });
      } catch (err) {
        if (err instanceof NotificationError) throw err;
        if (err instanceof RetryableFailure) {
          throw fail(err.reason, `${target}: ${last}${tries(tried)}`, tried, err.status);
        }
        if (signal.aborted) throw aborted();
        throw err;
      }

      function aborted(): NotificationError {
        const timedOut = signal.reason instanceof DOMException && signal.reason.name === 'TimeoutError';
        const lastPart = last ? `; last error: ${last}` : '';
        return timedOut
          ? fail(
              NotificationReasons.Timeout,
              `${target}: no answer within ${cfg.timeoutMs ?? DefaultTimeoutMs} ms${lastPart}`,
              tried,
            )
          : fail(NotificationReasons.Aborted, `${target}: cancelled${lastPart}`, tried);
      }
    },
  };
}

/** One try failed in a way worth another (5xx, 429, 408, network); turned into a NotificationError when none is left. */
class RetryableFailure extends Error {
  constructor(
    readonly reason: NotificationReason,
    readonly status?: number,
    readonly retryAfterMs?: number,
  ) {
    super(reason);
  }
}

function describeTarget(request: HttpRequest): string {
  try {
    const u = new URL(request.url);
    return `${request.method} ${u.origin}${request.showPath ? u.pathname : ''}`;
  } catch {
    return `${request.method} <invalid URL>`;
  }
}

function retryableStatus(status: number): boolean {
  return status === 429 || status === 408 || status >= 500;
}

function tries(n: number): string {
  return n > 1 ? ` (after ${n} tries)` : '';
}

function snippet(body: string): string {
  const text = body.replace(/\s+/g, ' ').trim();
  if (!text) return '';
  return `: ${text.length > 300 ? `${text.slice(0, 300)}…` : text}`;
}

function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function networkDetail(err: unknown): string {
  // undici's "fetch failed" hides the useful part in `cause`; node:http errors carry a code.
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  const code = (cause as { code?: unknown }).code;
  const message = cause instanceof Error ? cause.message : String(cause);
  return typeof code === 'string' && !message.includes(code) ? `${code} ${message}` : message;
}

/**
 * A notifier that sends, in order and within one deadline, the requests `build` returns for each
 * event; `{ skip: why }` means nothing to send (reported to the observer as `skipped(type, why)`).
 */
export function requestNotifier(
  cfg: ProviderConfig,
  build: (event: FluxEvent) => HttpRequest | HttpRequest[] | { skip: string },
  opts: { extraSecrets?: string[] } = {},
): Notifier {
  const http = httpSender(cfg, opts);
  return {
    post: (event, ctx) =>
      withDeadline(cfg, ctx, async (signal) => {
        const built = build(event);
        if ('skip' in built) {
          cfg.observer?.skipped?.(cfg.type, built.skip);
          return;
        }
        for (const request of Array.isArray(built) ? built : [built]) await http.send(request, signal);
      }),
  };
}

/** A forge's JSON answer, parsed; an answer that is not JSON is a failed delivery naming `what`. */
export function parseJsonAnswer(providerType: string, text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new NotificationError({
      reason: NotificationReasons.DeliveryFailed,
      providerType,
      message: `${what}: the answer is not JSON`,
    });
  }
}
