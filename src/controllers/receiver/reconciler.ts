import { Annotations, ConditionTypes, Reasons } from '../../api/constants.ts';
import { parseDuration } from '../../api/duration.ts';
import type { ReceiverObject, ReceiverStatus } from '../../api/notification.ts';
import { webhookPath } from '../../notify/receivers/webhook-path.ts';
import { deleteCondition, markFalse, markReady } from '../../runtime/conditions.ts';
import type { Informer } from '../../runtime/informer.ts';
import { patchStatus } from '../../runtime/patch.ts';
import type { Reconciler, Request, Result } from '../../runtime/result.ts';
import { readSecretData, type ControllerDeps } from '../shared.ts';

/** Flux's Receiver reasons beyond the generic ones. */
export const ReceiverReasons = { TokenNotFound: 'TokenNotFound', ValidationFailed: 'ValidationFailed' } as const;

/**
 * Reconciles Receivers: reads the token from `spec.secretRef` and publishes
 * `status.webhookPath = /hook/sha256(token+name+namespace)`, as Flux does. A missing Secret or
 * token leaves Ready=False (TokenNotFound) and the webhook answers 503 until fixed.
 */
export class ReceiverReconciler implements Reconciler {
  private readonly o: ControllerDeps & { informer: Informer };

  constructor(opts: ControllerDeps & { informer: Informer }) {
    this.o = opts;
  }

  async reconcile(req: Request): Promise<Result> {
    const cached = this.o.informer.get(`${req.namespace}/${req.name}`) as ReceiverObject | undefined;
    if (!cached || cached.metadata.deletionTimestamp) return {};
    const obj = structuredClone(cached);
    if (obj.spec.suspend) return {};
    const status: ReceiverStatus = structuredClone(obj.status ?? {});
    const view = { metadata: obj.metadata, status };
    const ns = obj.metadata.namespace ?? '';
    const intervalMs = safeInterval(obj.spec.interval);
    const secretName = obj.spec.secretRef?.name;
    const data = secretName ? await readSecretData(this.o.client, ns, secretName) : undefined;
    const token = data?.['token'];
    if (!token) {
      const message = secretName
        ? `unable to read token from secret '${ns}/${secretName}' referenced by spec.secretRef: ${data ? "the Secret has no 'token' key" : 'secret not found'}`
        : 'spec.secretRef is required: create a Secret with a token key and reference it';
      markFalse(view, ConditionTypes.Ready, ReceiverReasons.TokenNotFound, message);
      delete status.webhookPath;
      await this.o.recorder.record(obj, { type: 'Warning', reason: ReceiverReasons.TokenNotFound, message });
    } else {
      const path = webhookPath(token, obj.metadata.name, ns);
      const message = `Receiver initialized for path: ${path}`;
      if (status.webhookPath !== path)
        await this.o.recorder.record(obj, { type: 'Normal', reason: Reasons.Succeeded, message });
      status.webhookPath = path;
      markReady(view, Reasons.Succeeded, message);
    }
    deleteCondition(view, ConditionTypes.Reconciling);
    status.observedGeneration = obj.metadata.generation ?? 0;
    const requestedAt = obj.metadata.annotations?.[Annotations.reconcileRequestedAt];
    if (requestedAt) status.lastHandledReconcileAt = requestedAt;
    await patchStatus(this.o.client, obj, status);
    return { requeueAfterMs: intervalMs };
  }
}

function safeInterval(interval: string | undefined): number {
  try {
    return parseDuration(interval ?? '10m', 'spec.interval');
  } catch {
    return 10 * 60_000;
  }
}
