import type { KubeClient } from '../kube/client.ts';
import type { KubeObject } from '../kube/types.ts';
import type { EventRecorder } from '../runtime/events.ts';
import type { Logger } from '../runtime/logger.ts';
import type { RuntimeMetrics } from '../runtime/metrics.ts';

/** What every reconciler is handed by the manager wiring (`src/main.ts`). */
export interface ControllerDeps {
  client: KubeClient;
  recorder: EventRecorder;
  logger: Logger;
  metrics: RuntimeMetrics;
}

/** Reads a Secret's data decoded as UTF-8 strings; `undefined` when the Secret does not exist. */
export async function readSecretData(
  client: KubeClient,
  namespace: string,
  name: string,
): Promise<Record<string, string> | undefined> {
  const secret = await client.get<KubeObject & { data?: Record<string, string>; stringData?: Record<string, string> }>({
    apiVersion: 'v1',
    kind: 'Secret',
    namespace,
    name,
  });
  if (!secret) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(secret.data ?? {})) out[k] = Buffer.from(v, 'base64').toString('utf8');
  return out;
}

/** Adds up to ±`percent`% random jitter to an interval, as Flux's `--interval-jitter-percentage` does. */
export function withJitter(ms: number, percent = 5): number {
  const spread = (ms * percent) / 100;
  return Math.max(1000, Math.round(ms + (Math.random() * 2 - 1) * spread));
}

/** An error message, whatever was thrown. */
export const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** The `reason` a typed error carries, or the fallback. */
export const reasonOf = (err: unknown, fallback: string): string =>
  err && typeof err === 'object' && 'reason' in err && typeof (err as { reason: unknown }).reason === 'string'
    ? (err as { reason: string }).reason
    : fallback;
