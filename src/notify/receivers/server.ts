// The webhook receiver HTTP app: cheap checks first (size claim, path shape, lookup, suspend), then the
// capped body, the type's validator, and one coalesced trigger per burst. Nothing is triggered for a
// rejected call, and nothing here talks to the API server: lookup and trigger are injected.
import { createHash } from 'node:crypto';
import { Hono, type Context } from 'hono';
import type { Clock } from '../../runtime/clock.ts';
import type { Logger } from '../../runtime/logger.ts';
import { Coalescer, DEFAULT_COALESCE_WINDOW_MS } from './coalescer.ts';
import { readBodyWithLimit, type HttpLimits, type RunningServer } from '../../runtime/http-server.ts';
import { MAX_BODY_BYTES, startHardenedServer } from './http-limits.ts';
import type { ReceiverRequest, ReceiverSpec, ReceiverValidator, ValidationResult } from './types.ts';
import { createGoogleJwksSource } from './validators/google-jwks.ts';
import { createValidatorRegistry } from './validators/registry.ts';
import { isWebhookPath } from './webhook-path.ts';
import { hasFilters, ReceiverFilterError } from './resource-filter.ts';

/** A Receiver found by its webhook path, with its Secret already read. */
export interface ReceiverTarget {
  name: string;
  namespace: string;
  spec: ReceiverSpec;
  /** The Secret's `token`. */
  token: string;
  /** The whole Secret, decoded (gcr reads `email` and `audience`). */
  secret?: Readonly<Record<string, string>>;
  /** `spec.suspend`, as the caller sees it; either flag answers 503. */
  suspended: boolean;
  /** False while the Receiver is not Ready (Flux answers 503 then too); default true. */
  ready?: boolean;
}

/** Metric labels for refused calls. */
export const RejectReasons = {
  notFound: 'not_found',
  suspended: 'suspended',
  notReady: 'not_ready',
  tooLarge: 'too_large',
  badBody: 'bad_body',
  unsupportedType: 'unsupported_type',
  validationFailed: 'validation_failed',
  lookupFailed: 'lookup_failed',
  triggerFailed: 'trigger_failed',
} as const;

export type RejectReason = (typeof RejectReasons)[keyof typeof RejectReasons];

/** Counts calls for metrics; `type` is the receiver type, or `unknown` before the receiver is found. */
export interface ReceiverObserver {
  accepted(type: string): void;
  rejected(type: string, reason: RejectReason): void;
  /** Authentic calls that need no action (filtered event type, ping). */
  ignored?(type: string, detail: string): void;
}

export interface ReceiverAppOptions {
  /** Finds the Receiver whose `status.webhookPath` is `path`; undefined → 404. Should read a cache, not the API server. */
  lookup(path: string): Promise<ReceiverTarget | undefined>;
  /** Requests reconciliation of the Receiver's resources; resolves with how many were annotated. */
  trigger(target: ReceiverTarget, req: ReceiverRequest): Promise<number>;
  observer?: ReceiverObserver;
  /** Body cap, default 3 MiB (413 above it). */
  maxBodyBytes?: number;
  /** Extra quiet period after a trigger during which calls share the next one, default 0 (see {@link Coalescer}). */
  coalesceWindowMs?: number;
  clock?: Clock;
  /** Validators by receiver type, default `createValidatorRegistry` with Google's published keys for gcr. */
  validators?: ReadonlyMap<string, ReceiverValidator>;
  logger?: Logger;
}

/**
 * Builds the receiver app: `POST /hook/<sha256 hex>`. Answers 413 for bodies over the cap (a
 * Content-Length claim is refused unread), 404 for unknown paths, 503 when suspended or not ready,
 * 400 with a reason when validation fails, 200 "ignored" for filtered events, 200 after the (coalesced)
 * trigger ran, 500 if it failed. Never throws.
 */
export function createReceiverApp(opts: ReceiverAppOptions): Hono {
  const maxBody = opts.maxBodyBytes ?? MAX_BODY_BYTES;
  const validators =
    opts.validators ??
    createValidatorRegistry({
      gcrJwks: createGoogleJwksSource(opts.clock ? { clock: opts.clock } : {}),
      ...(opts.clock ? { clock: opts.clock } : {}),
    });
  const coalescer = new Coalescer<number>({
    windowMs: opts.coalesceWindowMs ?? DEFAULT_COALESCE_WINDOW_MS,
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  const observer = opts.observer;
  const app = new Hono();

  const refuse = (
    c: Context,
    type: string,
    reason: RejectReason,
    status: 400 | 404 | 413 | 500 | 503,
    message: string,
    target?: ReceiverTarget,
  ) => {
    observer?.rejected(type, reason);
    opts.logger?.warn(
      { receiver: target ? `${target.namespace}/${target.name}` : undefined, type, reason, status, message },
      'webhook refused',
    );
    return c.text(message, status);
  };

  app.post('/hook/*', async (c) => {
    const path = c.req.path;
    const declared = Number(c.req.header('content-length') ?? '0');
    if (declared > maxBody)
      return refuse(
        c,
        'unknown',
        RejectReasons.tooLarge,
        413,
        `request body exceeds the maximum size of ${maxBody} bytes`,
      );
    if (!isWebhookPath(path)) return refuse(c, 'unknown', RejectReasons.notFound, 404, 'not found');
    let target: ReceiverTarget | undefined;
    try {
      target = await opts.lookup(path);
    } catch (err) {
      return refuse(c, 'unknown', RejectReasons.lookupFailed, 500, `receiver lookup failed: ${(err as Error).message}`);
    }
    if (!target) return refuse(c, 'unknown', RejectReasons.notFound, 404, 'not found');
    const type = target.spec.type;
    if (target.suspended || target.spec.suspend === true)
      return refuse(c, type, RejectReasons.suspended, 503, 'receiver is suspended', target);
    if (target.ready === false) return refuse(c, type, RejectReasons.notReady, 503, 'receiver is not ready', target);

    const body = await readBodyWithLimit(c.req.raw, maxBody);
    if (!body.ok)
      return refuse(
        c,
        type,
        body.status === 413 ? RejectReasons.tooLarge : RejectReasons.badBody,
        body.status,
        body.reason,
        target,
      );
    const validator = validators.get(type);
    if (!validator)
      return refuse(c, type, RejectReasons.unsupportedType, 400, `receiver type "${type}" is not supported`, target);
    const req: ReceiverRequest = { headers: c.req.raw.headers, body: body.body };
    let verdict: ValidationResult;
    try {
      verdict = await validator.validate(req, {
        spec: target.spec,
        token: target.token,
        ...(target.secret ? { secret: target.secret } : {}),
      });
    } catch (err) {
      return refuse(
        c,
        type,
        RejectReasons.validationFailed,
        500,
        `validation failed unexpectedly: ${(err as Error).message}`,
        target,
      );
    }
    if (!verdict.ok)
      return refuse(
        c,
        type,
        RejectReasons.validationFailed,
        verdict.status === 500 ? 500 : 400,
        verdict.reason,
        target,
      );
    if (verdict.ignored !== undefined) {
      observer?.ignored?.(type, verdict.ignored);
      return c.text(`ignored: ${verdict.ignored}`, 200);
    }

    observer?.accepted(type);
    const chosen = target;
    try {
      const count = await coalescer.run(coalesceKey(chosen, req.body), () => opts.trigger(chosen, req));
      opts.logger?.info(
        { receiver: `${chosen.namespace}/${chosen.name}`, type, summary: verdict.summary, resources: count },
        'webhook handled',
      );
      return c.text('ok', 200);
    } catch (err) {
      // A filter that reads the body cannot judge a body that is not JSON: the caller's mistake.
      if (err instanceof ReceiverFilterError && err.reason === 'InvalidRequestBody')
        return refuse(c, type, RejectReasons.badBody, 400, err.message, chosen);
      return refuse(
        c,
        type,
        RejectReasons.triggerFailed,
        500,
        `requesting reconciliation failed: ${(err as Error).message}`,
        chosen,
      );
    }
  });

  app.on(['GET', 'PUT', 'PATCH', 'DELETE'], '/hook/*', (c) =>
    c.text('method not allowed: use POST', 405, { Allow: 'POST' }),
  );
  app.notFound((c) => {
    observer?.rejected('unknown', RejectReasons.notFound);
    return c.text('not found', 404);
  });
  app.onError((err, c) => {
    opts.logger?.error({ err: String(err) }, 'receiver handler failed');
    return c.text('internal error', 500);
  });
  return app;
}

/**
 * Calls for the same Receiver share one trigger. When a CEL filter may read the body, calls with
 * different bodies may select different resources, so the body digest joins the key.
 */
function coalesceKey(target: ReceiverTarget, body: Buffer): string {
  const base = `${target.namespace}/${target.name}`;
  return hasFilters(target.spec) ? `${base}#${createHash('sha256').update(body).digest('hex')}` : base;
}

/**
 * Serves the receiver app on `addr` (e.g. `:9292`) with notification-controller's limits: headers within
 * 10 s, the whole request within 30 s, headers up to 256 KiB (see `DEFAULT_HTTP_LIMITS`; `limits` overrides).
 */
export async function startReceiverServer(opts: {
  app: Hono;
  addr: string;
  limits?: Partial<HttpLimits>;
}): Promise<RunningServer> {
  return await startHardenedServer(opts);
}
