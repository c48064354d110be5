// What the engine running inside the test process shows of its own progress: its /metrics and its
// informer caches. Tests wait on these (with TestEnv.waitFor) instead of sleeping when the cluster
// itself shows nothing, e.g. a suspended object that the engine skips without touching its status.
import type { KubeObject, ObjectRef } from '../../src/kube/types.ts';
import type { RunningEngine } from '../../src/main.ts';
import { keyOf } from '../../src/runtime/informer.ts';

/** The engine's /metrics text. */
export async function engineMetrics(engine: RunningEngine): Promise<string> {
  return await (await fetch(`${engine.manager.metricsUrl}/metrics`)).text();
}

/** One series' value (0 when absent), e.g. `sample(text, 'workqueue_depth', { name: 'kustomization' })`. */
export function sample(metrics: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of metrics.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const series = line.slice(name.length + 1, line.lastIndexOf('}')).split(',');
    if (wanted.every((l) => series.includes(l))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

/** How many reconciles a controller has finished (`controller_runtime_reconcile_total`, every result). */
export async function reconcileCount(engine: RunningEngine, controller: string): Promise<number> {
  const metrics = await engineMetrics(engine);
  return ['success', 'requeue_after', 'error'].reduce(
    (n, result) => n + sample(metrics, 'controller_runtime_reconcile_total', { controller, result }),
    0,
  );
}

/** Whether a controller has nothing queued and no reconcile running (its queue gauges are refreshed per scrape). */
export async function queueIdle(engine: RunningEngine, controller: string): Promise<boolean> {
  const metrics = await engineMetrics(engine);
  return (
    sample(metrics, 'workqueue_depth', { name: controller }) === 0 &&
    sample(metrics, 'workqueue_longest_running_processor_seconds', { name: controller }) === 0
  );
}

/**
 * The object `namespace/name` as the engine's shared informer for the kind holds it: what its
 * reconciles read. Only for kinds the engine watches in full with no selector (otherwise this would
 * start an informer of its own and say nothing about the engine).
 */
export function cached(engine: RunningEngine, ref: ObjectRef): KubeObject | undefined {
  const key = keyOf({ metadata: { name: ref.name, namespace: ref.namespace } });
  return engine.manager.informer(ref.apiVersion, ref.kind).get(key);
}
