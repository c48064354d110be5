// The events of an apply that changed something: the change set (reason Progressing, as Flux) and, when the
// drift watch had seen someone else's edit, DriftCorrected with its metrics and drift-log records.
import type { Kustomization } from '../../api/kustomization.ts';
import { Reasons } from '../../api/constants.ts';
import type { ApplyAndPruneResult } from '../../apply/apply-and-prune.ts';
import { formatChangeSet, hasChanges } from '../../apply/changeset.ts';
import { driftRecords, type DriftLog } from '../../apply/drift-log.ts';
import type { RecordOptions } from '../../runtime/events.ts';
import type { DriftNotice, DriftWatcher } from './drift-watch.ts';

export interface ChangeReport {
  ks: Kustomization;
  revision: string;
  applied: ApplyAndPruneResult;
  /** What the drift watch saw since the last reconcile. */
  drift: DriftNotice[];
  event(e: RecordOptions): Promise<void>;
  driftWatcher?: DriftWatcher | undefined;
  driftLog?: DriftLog | undefined;
}

/** Announces what the apply changed; a change right after drift was seen is drift corrected. */
export async function reportChanges(r: ChangeReport): Promise<void> {
  const { ks, revision, applied, drift } = r;
  if (!hasChanges(applied.changeSet)) return;
  const lines = formatChangeSet(applied.changeSet);
  if (drift.length > 0 && ks.status?.lastAppliedRevision === revision && r.driftWatcher) {
    const labels = { exported_namespace: ks.metadata.namespace ?? '', name: ks.metadata.name };
    r.driftWatcher.detected.inc(labels);
    r.driftWatcher.corrected.inc(
      labels,
      applied.changeSet.entries.filter((e) => e.action === 'created' || e.action === 'configured').length,
    );
    for (const record of driftRecords({
      owner: { kind: ks.kind, namespace: ks.metadata.namespace ?? '', name: ks.metadata.name },
      revision,
      notices: drift,
      changes: applied.changeSet.entries,
      now: new Date(),
    }))
      r.driftLog?.add(record);
    const seen = drift.map((d) => `${d.subject} ${d.change} by '${d.by}'`).join('\n');
    await r.event({
      type: 'Normal',
      reason: 'DriftCorrected',
      message: `drift detected:\n${seen}\ncorrected:\n${lines}`,
      metadata: { revision },
    });
  }
  // Flux gives the change set the Ready condition's reason at apply time, which is Progressing.
  await r.event({ type: 'Normal', reason: Reasons.Progressing, message: lines, metadata: { revision } });
}
