// The `flux_instance_info` gauge: one series (value 1) per FluxInstance, set after each reconcile.
import { Gauge, type Registry } from 'prom-client';
import { FluxInstanceAnnotations, type FluxInstance } from '../../api/flux-instance.ts';
import { getCondition } from '../../runtime/conditions.ts';

/** The label names of `flux_instance_info`, as the Flux Operator exports them. */
export const InstanceInfoLabelNames = [
  'uid',
  'kind',
  'name',
  'exported_namespace',
  'ready',
  'reason',
  'suspended',
  'registry',
  'revision',
] as const;
/** One `flux_instance_info` label name. */
export type InstanceInfoLabel = (typeof InstanceInfoLabelNames)[number];
type Labels = Record<InstanceInfoLabel, string>;

const METRIC = 'flux_instance_info';

/**
 * The labels of an instance's series (pure): `ready`/`reason` from the Ready condition (`Unknown`/`""`
 * without one), `suspended` `True` while `fluxcd.controlplane.io/reconcile: disabled` (any case),
 * `registry` = `spec.distribution.registry`, `revision` = `status.lastAppliedRevision`.
 */
export function instanceInfoLabels(instance: FluxInstance): Labels {
  const ready = getCondition(instance as never, 'Ready');
  const paused = instance.metadata.annotations?.[FluxInstanceAnnotations.reconcile]?.toLowerCase() === 'disabled';
  return {
    uid: instance.metadata.uid ?? '',
    kind: instance.kind,
    name: instance.metadata.name,
    exported_namespace: instance.metadata.namespace ?? '',
    ready: ready?.status ?? 'Unknown',
    reason: ready?.reason ?? '',
    suspended: paused ? 'True' : 'False',
    registry: instance.spec.distribution?.registry ?? '',
    revision: instance.status?.lastAppliedRevision ?? '',
  };
}

/**
 * Owns the `flux_instance_info` series in a registry (one gauge per registry, reused by a second setup).
 * prom-client cannot delete by partial labels, so each instance's current label set is kept by key.
 */
export class InstanceInfoMetric {
  private readonly gauge: Gauge<InstanceInfoLabel>;
  private readonly series = new Map<string, Labels>();

  constructor(opts: { registry: Registry }) {
    const existing = opts.registry.getSingleMetric(METRIC) as Gauge<InstanceInfoLabel> | undefined;
    this.gauge =
      existing ??
      new Gauge({
        name: METRIC,
        help: 'The current state of a FluxInstance (value 1), labelled with its readiness, suspension, registry and revision.',
        labelNames: [...InstanceInfoLabelNames],
        registers: [opts.registry],
      });
  }

  /** Sets the series of the instance stored under `key` (`<namespace>/<name>`), replacing its previous one. */
  set(key: string, instance: FluxInstance): void {
    const labels = instanceInfoLabels(instance);
    this.remove(key);
    this.series.set(key, labels);
    this.gauge.set(labels, 1);
  }

  /** Removes the series of `key` (a deleted instance). */
  remove(key: string): void {
    const old = this.series.get(key);
    if (!old) return;
    this.gauge.remove(old);
    this.series.delete(key);
  }
}
