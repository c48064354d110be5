// `status.history` of a FluxInstance (pure). The Kustomization keeps its own copy of this rule; the two could
// move to one helper in src/api/ (controllers may not import each other's internals).
import { MaxHistoryEntries, type Snapshot } from '../../api/meta.ts';

/** One reconcile to record: the digest of what was built, its outcome, how long it took and its metadata. */
export interface HistoryEntry {
  digest: string;
  status: string;
  durationMs: number;
  now: Date;
  metadata: Record<string, string>;
}

/**
 * Returns the history with `entry` added: a snapshot is keyed by (digest, status), so a repeat bumps
 * `totalReconciliations` and `lastReconciled` and moves to the front; at most 5 snapshots, newest first.
 */
export function addToHistory(history: readonly Snapshot[] | undefined, entry: HistoryEntry): Snapshot[] {
  const now = entry.now.toISOString().replace(/\.\d+Z$/, 'Z');
  const rest = [...(history ?? [])];
  const i = rest.findIndex((s) => s.digest === entry.digest && s.lastReconciledStatus === entry.status);
  const prior = i >= 0 ? rest.splice(i, 1)[0] : undefined;
  const snapshot: Snapshot = {
    digest: entry.digest,
    firstReconciled: prior?.firstReconciled ?? now,
    lastReconciled: now,
    // metav1.Duration prints like Go: seconds with up to millisecond precision here.
    lastReconciledDuration: `${(entry.durationMs / 1000).toFixed(3).replace(/\.?0+$/, '')}s`,
    lastReconciledStatus: entry.status,
    totalReconciliations: (prior?.totalReconciliations ?? 0) + 1,
    metadata: entry.metadata,
  };
  return [snapshot, ...rest].slice(0, MaxHistoryEntries);
}
