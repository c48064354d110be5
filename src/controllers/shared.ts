import { Annotations, Reasons } from '../api/constants.ts';
import { refusalMessage, refusedFields } from '../api/field-support.ts';
import type { ConfigWatchScope } from './config-watch.ts';
import type { KubeClient } from '../kube/client.ts';
import type { KubeObject } from '../kube/types.ts';
import { primaryPredicate } from '../runtime/predicates.ts';
import { readConfigData } from '../kube/config-data.ts';
import type { EventRecorder } from '../runtime/events.ts';
import type { Logger } from '../runtime/logger.ts';
import type { RuntimeMetrics } from '../runtime/metrics.ts';
import { ReconcileFailure } from '../runtime/reconcile/failure.ts';
import type { Step } from '../runtime/reconcile/steps.ts';

/** What every reconciler is handed by the manager wiring (`src/main.ts`). */
export interface ControllerDeps {
  client: KubeClient;
  recorder: EventRecorder;
  logger: Logger;
  metrics: RuntimeMetrics;
  /** Referenced ConfigMaps/Secrets whose changes reconcile at once (`--watch-configs-label-selector`); unset: none. */
  configWatch?: ConfigWatchScope;
}

/** Reads a Secret's data decoded as UTF-8 strings; `undefined` when the Secret does not exist. */
export function readSecretData(
  client: KubeClient,
  namespace: string,
  name: string,
): Promise<Record<string, string> | undefined> {
  return readConfigData(client, 'Secret', namespace, name);
}

/** A CA bundle and/or client certificate and key, from a `certSecretRef` Secret. */
export interface TlsSecret {
  ca?: string;
  cert?: string;
  key?: string;
}

/**
 * Reads a `certSecretRef` Secret (`ca.crt`, `tls.crt` + `tls.key`, as Flux's TLS secrets); throws an Error
 * whose message starts `failed to get TLS config:` and names the Secret, never its content.
 */
export async function readTlsSecret(client: KubeClient, namespace: string, name: string): Promise<TlsSecret> {
  const data = await readSecretData(client, namespace, name);
  const where = `secret '${namespace}/${name}'`;
  if (!data) throw new Error(`failed to get TLS config: failed to get ${where}: secrets "${name}" not found`);
  const { 'ca.crt': ca, 'tls.crt': cert, 'tls.key': key } = data;
  if ((cert === undefined) !== (key === undefined)) {
    throw new Error(`failed to get TLS config: ${where} must hold both tls.crt and tls.key, or neither`);
  }
  if (ca === undefined && cert === undefined) {
    throw new Error(`failed to get TLS config: ${where} holds no ca.crt, tls.crt or tls.key`);
  }
  return { ...(ca !== undefined ? { ca } : {}), ...(cert !== undefined && key !== undefined ? { cert, key } : {}) };
}

/** Adds up to ±`percent`% random jitter to an interval, as Flux's `--interval-jitter-percentage` does. */
export function withJitter(ms: number, percent = 5): number {
  const spread = (ms * percent) / 100;
  return Math.max(1000, Math.round(ms + (Math.random() * 2 - 1) * spread));
}

/** An error message, whatever was thrown. */
export const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * Echoes a `reconcile.fluxcd.io/requestedAt` token into `status.lastHandledReconcileAt`, as every Flux
 * controller does at the end of a reconcile (`flux reconcile` waits for it).
 */
export function handledRequest(obj: KubeObject, status: { lastHandledReconcileAt?: string }): void {
  const requestedAt = obj.metadata.annotations?.[Annotations.reconcileRequestedAt];
  if (requestedAt) status.lastHandledReconcileAt = requestedAt;
}

/** Flux's trigger for the objects a controller reconciles: spec change, `requestedAt` change, deletion. */
export const fluxPrimaryPredicate = primaryPredicate(Annotations.reconcileRequestedAt);

/**
 * The first step of every reconciler of a kind with status: refuses the fields and values of the object's
 * spec that api/field-support.ts lists as refused, with Ready=False, Stalled=True, reason NotSupported and
 * a message naming each one and what to do (no retry: only a spec change can fix it). Never reads the cluster.
 */
export function refuseUnsupportedFields<C extends { obj: { spec?: unknown } }>(kind: string): Step<C, never> {
  return {
    name: 'supported',
    run: (ctx) => {
      const refusals = refusedFields(kind, ctx.obj);
      if (refusals.length > 0) {
        throw new ReconcileFailure(Reasons.NotSupported, refusalMessage(refusals), { stalled: true });
      }
    },
  };
}
