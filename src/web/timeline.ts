// The delivery timeline of an applier's revisions: committed → fetched → applied → healthy, from what
// the engine itself saw (sources' artifacts in the informer caches, the commit time a source publishes
// for the SLI M2, the engine's own Progressing / ReconciliationSucceeded events) and from status.history.
// Kept in memory, bounded; a time the engine did not see since it started is shown as unknown.
import { commitTimeOf } from '../controllers/sli-metrics.ts';
import type { KubeObject } from '../kube/types.ts';
import type { DashboardEvent } from './event-log.ts';
import { nodeId, sourceRefOf, type NodeRef } from './graph.ts';

export interface TimelineRow {
  revision: string;
  committedAt?: string;
  fetchedAt?: string;
  appliedAt?: string;
  healthyAt?: string;
  /** The last reconcile of this revision: ReconciliationSucceeded, or the failure reason. */
  result?: string;
}

interface Seen {
  committedAt?: string;
  fetchedAt?: string;
  appliedAt?: string;
  healthyAt?: string;
}

type Artifact = { revision?: string; lastUpdateTime?: string; metadata?: Record<string, string> };
type HistoryEntry = {
  firstReconciled?: string;
  lastReconciledStatus?: string;
  metadata?: Record<string, string>;
};

const appliers = new Set(['Kustomization', 'HelmRelease']);

export class RevisionTimeline {
  private readonly seen = new Map<string, Seen>();

  constructor(private readonly max = 5000) {}

  private note(key: string, patch: Seen): void {
    const cur = this.seen.get(key) ?? {};
    const next = { ...cur };
    for (const [k, v] of Object.entries(patch) as [keyof Seen, string | undefined][]) if (v && !next[k]) next[k] = v;
    this.seen.delete(key);
    this.seen.set(key, next);
    while (this.seen.size > this.max) this.seen.delete(this.seen.keys().next().value!);
  }

  /** A source's artifact as the cache holds it: when its revision was fetched and committed. */
  observeSource(obj: KubeObject): void {
    const a = (obj['status'] as { artifact?: Artifact } | undefined)?.artifact;
    if (!a?.revision) return;
    this.note(key(ref(obj), a.revision), fromArtifact(a));
  }

  /** The engine's events: an applier's change set (applied) and its success (healthy). */
  observeEvent(e: DashboardEvent): void {
    if (!e.revision || !appliers.has(e.involvedObject.kind)) return;
    const k = key(e.involvedObject, e.revision);
    if (e.reason === 'Progressing') this.note(k, { appliedAt: e.timestamp });
    else if (
      e.reason === 'ReconciliationSucceeded' ||
      e.reason === 'UpgradeSucceeded' ||
      e.reason === 'InstallSucceeded'
    )
      this.note(k, { healthyAt: e.timestamp });
  }

  /** The rows of an applier, newest revision first; `source` is its source object from the cache, if any. */
  rows(obj: KubeObject, source: KubeObject | undefined): TimelineRow[] {
    const history = ((obj['status'] as { history?: HistoryEntry[] } | undefined)?.history ?? []).filter(
      (h) => h.metadata?.['revision'],
    );
    const srcRef = sourceRefOf(obj);
    const current = (source?.['status'] as { artifact?: Artifact } | undefined)?.artifact;
    const out: TimelineRow[] = [];
    const byRevision = new Map<string, HistoryEntry>();
    for (const h of history) if (!byRevision.has(h.metadata!['revision']!)) byRevision.set(h.metadata!['revision']!, h);
    const revisions = [...byRevision.keys()];
    // A fetched revision not applied yet comes first.
    if (current?.revision && !byRevision.has(current.revision)) revisions.unshift(current.revision);
    for (const revision of revisions) {
      const own = this.seen.get(key(ref(obj), revision)) ?? {};
      const fromSource = srcRef ? (this.seen.get(key(srcRef, revision)) ?? {}) : {};
      const live = current?.revision === revision ? fromArtifact(current) : {};
      const h = byRevision.get(revision);
      const succeeded = h?.lastReconciledStatus === 'ReconciliationSucceeded';
      const row: TimelineRow = { revision };
      const committedAt = fromSource.committedAt ?? live.committedAt;
      const fetchedAt = fromSource.fetchedAt ?? live.fetchedAt;
      const appliedAt = own.appliedAt ?? h?.firstReconciled;
      const healthyAt = own.healthyAt ?? (succeeded ? h?.firstReconciled : undefined);
      if (committedAt) row.committedAt = committedAt;
      if (fetchedAt) row.fetchedAt = fetchedAt;
      if (appliedAt) row.appliedAt = appliedAt;
      if (healthyAt) row.healthyAt = healthyAt;
      if (h?.lastReconciledStatus) row.result = h.lastReconciledStatus;
      out.push(row);
    }
    return out;
  }
}

const ref = (o: KubeObject): NodeRef => ({
  kind: o.kind,
  namespace: o.metadata.namespace ?? '',
  name: o.metadata.name,
});
const key = (r: NodeRef, revision: string): string => `${nodeId(r)}|${revision}`;

function fromArtifact(a: Artifact): Seen {
  const commit = commitTimeOf(a.metadata);
  return {
    ...(commit ? { committedAt: commit.toISOString() } : {}),
    ...(a.lastUpdateTime ? { fetchedAt: a.lastUpdateTime } : {}),
  };
}
