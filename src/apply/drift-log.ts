// The drift log: which field of which applied object someone else changed (and which field manager it
// was), and when Driftless reverted it. Kept in this process's memory only, bounded: it starts empty
// after a restart and keeps the newest `max` records (the DriftCorrected events are the lasting trace).

/** One object found changed outside Driftless, and what was done about it. */
export interface DriftRecord {
  /** The object that applied it (a Kustomization). */
  owner: { kind: string; namespace: string; name: string };
  /** `Kind/namespace/name` of the drifted object. */
  subject: string;
  change: 'modified' | 'deleted';
  /** The field manager(s) of the change (`kubectl-edit`, `kubectl-patch`, …; `unknown` for a deletion). */
  by: string;
  /** JSON pointers of the fields the re-apply changed back (`/data/v`); empty for a re-created object. */
  fields: string[];
  /** When the change was seen (the watch event), if it was. */
  detectedAt?: string;
  /** When Driftless re-applied the object. */
  correctedAt: string;
  /** The source revision re-applied. */
  revision: string;
}

export class DriftLog {
  private readonly records: DriftRecord[] = [];
  private readonly listeners = new Set<(r: DriftRecord) => void>();

  constructor(readonly max = 1000) {}

  add(r: DriftRecord): void {
    this.records.push(r);
    if (this.records.length > this.max) this.records.splice(0, this.records.length - this.max);
    for (const l of this.listeners) l(r);
  }

  /** Newest first, at most `limit`, optionally those of one owner. */
  list(limit = 100, owner?: DriftRecord['owner']): DriftRecord[] {
    const out: DriftRecord[] = [];
    for (let i = this.records.length - 1; i >= 0 && out.length < limit; i--) {
      const r = this.records[i]!;
      if (
        owner &&
        (r.owner.kind !== owner.kind || r.owner.namespace !== owner.namespace || r.owner.name !== owner.name)
      )
        continue;
      out.push(r);
    }
    return out;
  }

  /** Calls `fn` for every new record; returns the unsubscribe function. */
  onRecord(fn: (r: DriftRecord) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}

/**
 * The records of one re-apply at an unchanged revision: each object the watch saw changed (`notices`)
 * that the apply then configured or re-created. (An object the watch did not see is not logged: without
 * a notice a change at the same revision may be the Kustomization's own spec change.)
 */
export function driftRecords(opts: {
  owner: DriftRecord['owner'];
  revision: string;
  notices: readonly { subject: string; change: 'modified' | 'deleted'; by: string; at?: string }[];
  changes: readonly { subject: string; action: string; fields?: string[] }[];
  now: Date;
}): DriftRecord[] {
  const correctedAt = opts.now.toISOString();
  const out: DriftRecord[] = [];
  for (const c of opts.changes) {
    if (c.action !== 'configured' && c.action !== 'created') continue;
    const seen = opts.notices.filter((n) => n.subject === c.subject);
    const last = seen.at(-1);
    if (!last) continue;
    out.push({
      owner: opts.owner,
      subject: c.subject,
      change: last.change,
      by: [...new Set(seen.map((n) => n.by))].join(', '),
      fields: c.fields ?? [],
      ...(last.at ? { detectedAt: last.at } : {}),
      correctedAt,
      revision: opts.revision,
    });
  }
  return out;
}
