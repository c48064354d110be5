// Reading the status of any Flux object the way the flux CLI does: pure functions over API data.
import type { KubeObject } from '../kube/types.ts';

/** A status condition as served. */
export interface ObjectCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  observedGeneration?: number;
}

/** Any Flux object as read from the API: `spec.suspend`, conditions and the common status fields. */
export type FluxResource = KubeObject & {
  spec?: { suspend?: boolean; [key: string]: unknown };
  status?: {
    observedGeneration?: number;
    conditions?: ObjectCondition[];
    lastHandledReconcileAt?: string;
    [key: string]: unknown;
  };
};

/** The condition of `type`, if present. */
export function conditionOf(obj: FluxResource, type: string): ObjectCondition | undefined {
  return obj.status?.conditions?.find((c) => c.type === type);
}

/** `spec.suspend` is true. */
export const isSuspended = (obj: FluxResource): boolean => obj.spec?.suspend === true;

/** READY and MESSAGE columns: the Ready condition, or `False`/`waiting to be reconciled` without one (as flux). */
export function readyColumns(obj: FluxResource): { ready: string; message: string } {
  const ready = conditionOf(obj, 'Ready');
  return ready
    ? { ready: ready.status, message: ready.message ?? '' }
    : { ready: 'False', message: 'waiting to be reconciled' };
}

/** Where a reconcile wait stands: still going, or finished with the Ready condition's verdict. */
export type ReconcileProgress =
  { done: false; waitingFor: string } | { done: true; ready: boolean; reason: string; message: string };

/**
 * Whether the controller has finished with the object: `token` (when given) echoed in
 * `status.lastHandledReconcileAt`, `status.observedGeneration` caught up with `metadata.generation`,
 * no `Reconciling=True`, and Ready True or False (`Stalled=True` also ends the wait, as a failure).
 */
export function reconcileProgress(obj: FluxResource, opts: { token?: string } = {}): ReconcileProgress {
  const status = obj.status ?? {};
  if (opts.token !== undefined && status.lastHandledReconcileAt !== opts.token) {
    return { done: false, waitingFor: `the controller to handle request ${opts.token}` };
  }
  // Once our request is handled, Ready=False is that reconcile's verdict: Flux keeps Reconciling
  // (ProgressingWithRetry) and the old observedGeneration on failure, so kstatus alone would wait
  // until the timeout (what `flux reconcile` does); we report the failure at once instead.
  const failed = conditionOf(obj, 'Ready');
  if (
    opts.token !== undefined &&
    failed?.status === 'False' &&
    conditionOf(obj, 'Reconciling')?.reason !== 'Progressing'
  ) {
    return { done: true, ready: false, reason: failed.reason ?? '', message: failed.message ?? '' };
  }
  const generation = obj.metadata.generation ?? 0;
  if ((status.observedGeneration ?? -1) < generation) {
    return { done: false, waitingFor: `observedGeneration to reach ${generation}` };
  }
  const stalled = conditionOf(obj, 'Stalled');
  const ready = conditionOf(obj, 'Ready');
  if (stalled?.status === 'True') {
    return { done: true, ready: false, reason: stalled.reason ?? 'Stalled', message: stalled.message ?? '' };
  }
  if (conditionOf(obj, 'Reconciling')?.status === 'True') return { done: false, waitingFor: 'Reconciling to finish' };
  if (ready?.status === 'True' || ready?.status === 'False') {
    return { done: true, ready: ready.status === 'True', reason: ready.reason ?? '', message: ready.message ?? '' };
  }
  return { done: false, waitingFor: 'a Ready condition' };
}

/** A reconcile request token: RFC 3339 UTC with nanosecond digits, so two requests in one millisecond still differ. */
export function requestToken(now: Date, nanos: bigint = process.hrtime.bigint()): string {
  const iso = now.toISOString(); // 2026-01-02T03:04:05.678Z
  const sub = String(nanos % 1_000_000n).padStart(6, '0');
  return `${iso.slice(0, -1)}${sub}Z`;
}
