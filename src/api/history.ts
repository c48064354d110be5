// `status.history` (meta.History) shared by every kind that keeps one (Kustomization, FluxInstance).
import { formatDuration } from './duration.ts';
import { MaxHistoryEntries, type Snapshot } from './meta.ts';

/**
 * Adds a reconciliation to `status.history` (pure): entries are keyed by (digest, status); a repeat
 * updates its counters and moves to the front; at most 5 entries, newest first.
 */
export function recordHistory(
  history: readonly Snapshot[] | undefined,
  entry: { digest: string; status: string; durationMs: number; now: Date; metadata: Record<string, string> },
): Snapshot[] {
  const now = entry.now.toISOString().replace(/\.\d+Z$/, 'Z');
  const list = [...(history ?? [])];
  const i = list.findIndex((h) => h.digest === entry.digest && h.lastReconciledStatus === entry.status);
  const prior = i >= 0 ? list.splice(i, 1)[0] : undefined;
  const snapshot: Snapshot = {
    digest: entry.digest,
    firstReconciled: prior?.firstReconciled ?? now,
    lastReconciled: now,
    // metav1.Duration serialises as Go's Duration.String(): `500ms`, `1.5s`, `1m5s`.
    lastReconciledDuration: formatDuration(entry.durationMs),
    lastReconciledStatus: entry.status,
    totalReconciliations: (prior?.totalReconciliations ?? 0) + 1,
    metadata: entry.metadata,
  };
  return [snapshot, ...list].slice(0, MaxHistoryEntries);
}
