import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeClient } from '../kube/client.ts';
import { CliError } from './errors.ts';
import { reconcileProgress, type FluxResource, type ReconcileProgress } from './flux-object.ts';
import type { FluxKind } from './kinds.ts';

/** The object once the controller finished with it, and the verdict. */
export interface ReconcileResult {
  obj: FluxResource;
  progress: Extract<ReconcileProgress, { done: true }>;
}

/**
 * Polls the object (every `pollMs`, default 1 s) until {@link reconcileProgress} says the controller
 * is done. Throws CliError `NotFound` when the object disappears and `Timeout` (naming what it was
 * still waiting for) when `signal` fires.
 */
export async function waitForReconcile(opts: {
  client: KubeClient;
  kind: FluxKind;
  namespace: string;
  name: string;
  token?: string;
  signal: AbortSignal;
  pollMs?: number;
}): Promise<ReconcileResult> {
  const ref = { apiVersion: opts.kind.apiVersion, kind: opts.kind.kind, namespace: opts.namespace, name: opts.name };
  let waitingFor = 'the first read';
  for (;;) {
    if (opts.signal.aborted) {
      throw new CliError({
        reason: 'Timeout',
        message: `timed out waiting for ${opts.kind.kind} ${opts.namespace}/${opts.name}: still waiting for ${waitingFor} (raise --timeout to wait longer)`,
      });
    }
    const obj = await opts.client.get<FluxResource>(ref);
    if (!obj) {
      throw new CliError({
        reason: 'NotFound',
        message: `${opts.kind.kind} ${opts.namespace}/${opts.name} was deleted while waiting`,
      });
    }
    const progress = reconcileProgress(obj, opts.token === undefined ? {} : { token: opts.token });
    if (progress.done) return { obj, progress };
    waitingFor = progress.waitingFor;
    await sleep(opts.pollMs ?? 1000, undefined, { signal: opts.signal }).catch(() => undefined);
  }
}
