import { Counter } from 'prom-client';
import { Labels } from '../../api/constants.ts';
import { HealthEventHub } from '../../apply/health-events.ts';
import { entryToRef, type InventoryEntry } from '../../apply/inventory.ts';
import type { KubeObject, ObjectRef } from '../../kube/types.ts';
import type { Manager } from '../../runtime/manager.ts';

/** What a watch saw happen to an applied object. */
export interface DriftNotice {
  subject: string;
  change: 'modified' | 'deleted';
  by: string;
  /** When the watch saw it. */
  at: string;
}

/**
 * Beyond Flux: watches (metadata only, label-scoped) every kind a Kustomization applied, and
 * requeues the owner within a second when someone else edits or deletes one of its objects, so
 * drift is corrected without waiting for the interval.
 */
export class DriftWatcher {
  private readonly mgr: Manager;
  private readonly fieldManager: string;
  private readonly enqueue: (key: string) => void;
  private readonly watched = new Set<string>();
  private readonly pending = new Map<string, DriftNotice[]>();
  readonly detected: Counter<'exported_namespace' | 'name'>;
  readonly corrected: Counter<'exported_namespace' | 'name'>;
  /** Every change these watches see, for the health waits of the Kustomizations (wake on change, not only poll). */
  readonly health = new HealthEventHub();

  constructor(opts: { mgr: Manager; fieldManager: string; enqueue: (key: string) => void }) {
    this.mgr = opts.mgr;
    this.fieldManager = opts.fieldManager;
    this.enqueue = opts.enqueue;
    const registers = [opts.mgr.metrics.registry];
    this.detected = new Counter({
      name: 'driftless_drift_detected_total',
      help: 'Reconciles that found applied objects changed outside Driftless (seen by a watch, confirmed by a dry-run)',
      labelNames: ['exported_namespace', 'name'],
      registers,
    });
    this.corrected = new Counter({
      name: 'driftless_drift_corrected_total',
      help: 'Applied objects re-applied because they drifted from the source',
      labelNames: ['exported_namespace', 'name'],
      registers,
    });
  }

  /** Makes sure every kind in the inventory is watched. */
  observe(entries: readonly InventoryEntry[]): void {
    for (const e of entries) {
      const ref = entryToRef(e);
      const key = `${ref.apiVersion}|${ref.kind}`;
      if (this.watched.has(key)) continue;
      this.watched.add(key);
      const informer = this.mgr.informer(ref.apiVersion, ref.kind, {
        labelSelector: Labels.kustomizeName,
        metadataOnly: true,
        // Applied objects (Flux kinds included) are watched wherever they are, whatever the shard.
        unscoped: true,
      });
      // Metadata-only objects are PartialObjectMetadata: the kind comes from the watch, not the object.
      const changed = (o: KubeObject): void =>
        this.health.notify({ ...ref, name: o.metadata.name, namespace: o.metadata.namespace ?? '' });
      informer.addHandlers({
        onAdd: changed,
        onUpdate: (o, n) => {
          changed(n);
          this.onUpdate(o, n);
        },
        onDelete: (o) => {
          changed(o);
          this.notify(o, 'deleted', 'unknown');
        },
      });
    }
  }

  /**
   * The resourceVersion of an applied object as the watch cache holds it; `undefined` while its kind is not
   * watched yet, the cache has not synced, or the object is not in it.
   */
  resourceVersionOf(ref: ObjectRef): string | undefined {
    if (!this.watched.has(`${ref.apiVersion}|${ref.kind}`)) return undefined;
    const informer = this.mgr.informer(ref.apiVersion, ref.kind, {
      labelSelector: Labels.kustomizeName,
      metadataOnly: true,
      unscoped: true,
    });
    if (!informer.hasSynced) return undefined;
    const key = ref.namespace ? `${ref.namespace}/${ref.name}` : ref.name;
    return informer.get(key)?.metadata.resourceVersion;
  }

  /** The drift seen for a Kustomization since its last reconcile (and forgets it). */
  take(key: string): DriftNotice[] {
    const notices = this.pending.get(key) ?? [];
    this.pending.delete(key);
    return notices;
  }

  private onUpdate(o: KubeObject, n: KubeObject): void {
    const meaningful =
      n.metadata.generation === undefined ||
      o.metadata.generation !== n.metadata.generation ||
      JSON.stringify(o.metadata.labels) !== JSON.stringify(n.metadata.labels) ||
      JSON.stringify(o.metadata.annotations) !== JSON.stringify(n.metadata.annotations);
    if (!meaningful) return;
    const writer = lastWriter(n, this.fieldManager);
    if (writer === this.fieldManager) return;
    this.notify(n, 'modified', writer);
  }

  private notify(obj: KubeObject, change: DriftNotice['change'], by: string): void {
    const name = obj.metadata.labels?.[Labels.kustomizeName];
    const namespace = obj.metadata.labels?.[Labels.kustomizeNamespace];
    if (!name || !namespace) return;
    const key = `${namespace}/${name}`;
    const subject = obj.metadata.namespace
      ? `${obj.kind}/${obj.metadata.namespace}/${obj.metadata.name}`
      : `${obj.kind}/${obj.metadata.name}`;
    const list = this.pending.get(key) ?? [];
    list.push({ subject, change, by, at: new Date().toISOString() });
    this.pending.set(key, list.slice(-20));
    this.enqueue(key);
  }
}

/**
 * Who changed the object last, from managedFields (main resource only; status writers are not
 * drift). Times have one-second resolution, so on a tie another manager wins over Driftless:
 * a false alarm costs one dry-run, a missed edit costs an interval of drift.
 */
function lastWriter(obj: KubeObject, self: string): string {
  const entries = (obj.metadata.managedFields ?? []).filter((e) => !e.subresource) as {
    manager?: string;
    time?: string;
  }[];
  const latest = entries.reduce((max, e) => ((e.time ?? '') > max ? (e.time ?? '') : max), '');
  const writers = entries.filter((e) => (e.time ?? '') === latest).map((e) => e.manager ?? 'unknown');
  return writers.find((w) => w !== self) ?? writers[0] ?? 'unknown';
}
