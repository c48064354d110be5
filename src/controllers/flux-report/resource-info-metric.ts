// The `flux_resource_info` gauge: one series per Flux object, replaced on each report and kept fresh on events.
import { Gauge, type Registry } from 'prom-client';
import type { KubeObject } from '../../kube/types.ts';
import { ResourceInfoLabelNames, resourceInfoLabels, type ResourceInfoLabel } from './compute/resource-info.ts';

type Labels = Partial<Record<ResourceInfoLabel, string>>;

const METRIC = 'flux_resource_info';

// uid is unique per object; objects without one (never from the API server) fall back to their identity.
const seriesKey = (obj: KubeObject): string =>
  obj.metadata.uid || `${obj.kind}/${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;

/**
 * Owns the `flux_resource_info` series (value 1) in a registry. prom-client cannot delete by a
 * partial label match, so the label set of each object's series is tracked here: an update replaces
 * the object's old series, a delete removes it, and `replace` drops series of vanished objects.
 */
export class ResourceInfoMetric {
  private readonly gauge: Gauge<ResourceInfoLabel>;
  private readonly series = new Map<string, Labels>();

  constructor(opts: { registry: Registry }) {
    // One gauge per registry: a second setup in the same process reuses it.
    const existing = opts.registry.getSingleMetric(METRIC);
    this.gauge =
      (existing as Gauge<ResourceInfoLabel> | undefined) ??
      new Gauge({
        name: METRIC,
        help: 'The current state of a Flux object (value 1), labelled with its readiness, suspension, revision and source.',
        labelNames: [...ResourceInfoLabelNames],
        registers: [opts.registry],
      });
  }

  /** Sets (or replaces) the series of one object. */
  upsert(obj: KubeObject): void {
    const key = seriesKey(obj);
    const labels = resourceInfoLabels(obj);
    const old = this.series.get(key);
    if (old && !sameLabels(old, labels)) this.gauge.remove(old);
    this.series.set(key, labels);
    this.gauge.set(labels, 1);
  }

  /** Removes the series of a deleted object. */
  remove(obj: KubeObject): void {
    const key = seriesKey(obj);
    const old = this.series.get(key);
    if (!old) return;
    this.gauge.remove(old);
    this.series.delete(key);
  }

  /**
   * Replaces every series with those of `objects`; series of the kinds in `keepKinds` (whose list
   * failed this time) are left as they were rather than dropped.
   */
  replace(objects: Iterable<KubeObject>, keepKinds: ReadonlySet<string> = new Set()): void {
    const next = new Map<string, Labels>();
    for (const obj of objects) next.set(seriesKey(obj), resourceInfoLabels(obj));
    for (const [key, labels] of this.series) if (keepKinds.has(labels.kind ?? '')) next.set(key, labels);
    this.gauge.reset();
    this.series.clear();
    for (const [key, labels] of next) {
      this.series.set(key, labels);
      this.gauge.set(labels, 1);
    }
  }

  /** The number of series (for tests and logs). */
  get size(): number {
    return this.series.size;
  }
}

const sameLabels = (a: Labels, b: Labels): boolean => {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<ResourceInfoLabel>;
  for (const k of keys) if (a[k] !== b[k]) return false;
  return true;
};
