import { Reasons } from '../../api/constants.ts';
import { parseDuration } from '../../api/duration.ts';
import type { ReceiverObject, ReceiverStatus } from '../../api/notification.ts';
import { ReceiverFilterError, validateReceiverFilters } from '../../notify/receivers/resource-filter.ts';
import { webhookPath } from '../../notify/receivers/webhook-path.ts';
import type { Informer } from '../../runtime/informer.ts';
import { ReconcileFailure } from '../../runtime/reconcile/failure.ts';
import { StepReconciler, type ReconcileContext } from '../../runtime/reconcile/skeleton.ts';
import { handledRequest, readSecretData, refuseUnsupportedFields, type ControllerDeps } from '../shared.ts';

/** Flux's Receiver reasons beyond the generic ones. */
export const ReceiverReasons = { TokenNotFound: 'TokenNotFound', ValidationFailed: 'ValidationFailed' } as const;

const DEFAULT_INTERVAL_MS = 10 * 60_000;

interface ReceiverContext extends ReconcileContext<ReceiverObject, ReceiverStatus> {
  intervalMs: number;
  path?: string;
}

/**
 * Reconciles Receivers on the shared skeleton: reads the token from `spec.secretRef` and publishes
 * `status.webhookPath = /hook/sha256(token+name+namespace)`, as Flux does. A missing Secret or token
 * leaves Ready=False (TokenNotFound), removes the path (the webhook answers 503 until fixed) and retries
 * after the interval.
 */
export function receiverReconciler(
  o: ControllerDeps & { informer: Informer },
): StepReconciler<ReceiverObject, ReceiverStatus, ReceiverContext> {
  return new StepReconciler<ReceiverObject, ReceiverStatus, ReceiverContext>({
    kind: 'Receiver',
    client: o.client,
    recorder: o.recorder,
    logger: o.logger,
    read: (req) => o.informer.get(`${req.namespace}/${req.name}`) as ReceiverObject | undefined,
    finalize: () => Promise.resolve({}),
    skip: (obj) => obj.spec.suspend === true,
    context: (base): ReceiverContext => Object.assign(base, { intervalMs: intervalOf(base.obj) }),
    steps: [
      refuseUnsupportedFields<ReceiverContext>('Receiver'),
      {
        name: 'filters',
        run: (ctx) => {
          try {
            validateReceiverFilters(ctx.obj.spec);
          } catch (err) {
            if (!(err instanceof ReceiverFilterError)) throw err;
            throw new ReconcileFailure(err.reason, err.message, { stalled: true });
          }
        },
      },
      {
        name: 'token',
        run: async (ctx) => {
          const ns = ctx.obj.metadata.namespace ?? '';
          const secretName = ctx.obj.spec.secretRef?.name;
          const data = secretName ? await readSecretData(o.client, ns, secretName) : undefined;
          const token = data?.['token'];
          if (!token) {
            const message = secretName
              ? `unable to read token from secret '${ns}/${secretName}' referenced by spec.secretRef: ${data ? "the Secret has no 'token' key" : 'secret not found'}`
              : 'spec.secretRef is required: create a Secret with a token key and reference it';
            throw new ReconcileFailure<ReceiverStatus>(ReceiverReasons.TokenNotFound, message, {
              record: { webhookPath: undefined },
            });
          }
          ctx.path = webhookPath(token, ctx.obj.metadata.name, ns);
        },
      },
    ],
    fallbackReason: Reasons.Failed,
    retryAfterMs: (ctx) => ctx.intervalMs,
    ready: (ctx) => {
      const path = ctx.path!;
      const message = `Receiver initialized for path: ${path}`;
      const isNew = ctx.status.webhookPath !== path;
      ctx.status.webhookPath = path;
      return {
        reason: Reasons.Succeeded,
        message,
        requeueAfterMs: ctx.intervalMs,
        events: isNew ? [{ type: 'Normal', reason: Reasons.Succeeded, message }] : [],
      };
    },
    finishStatus: (ctx) => handledRequest(ctx.obj, ctx.status),
  });
}

function intervalOf(obj: ReceiverObject): number {
  try {
    return parseDuration(obj.spec.interval ?? '10m', 'spec.interval');
  } catch {
    return DEFAULT_INTERVAL_MS;
  }
}
