// What the commit-status providers sent, for the dashboard's timeline: one record per status a forge
// accepted (a duplicate skipped by the memo is not sent, so not recorded). In this process's memory
// only, bounded; a restart starts it empty (the forge keeps the statuses themselves).

/** One commit status a forge accepted. */
export interface SentCommitStatus {
  /** The object the status is about (the event's involved object). */
  object: { kind: string; namespace: string; name: string };
  /** Provider type (`github`, `gitlab`, …) and `<namespace>/<name>` of the Provider. */
  provider: { type: string; name: string };
  sha: string;
  state: 'pending' | 'success' | 'failure';
  context: string;
  description: string;
  /** When the forge accepted it (ISO 8601). */
  sentAt: string;
}

/**
 * A bounded in-memory log (newest `max` records, default 2,000) of commit statuses sent. `list`
 * returns the newest first, optionally those of one object. Never holds a token or an address.
 */
export class CommitStatusLog {
  private readonly records: SentCommitStatus[] = [];

  constructor(readonly max = 2000) {}

  add(r: SentCommitStatus): void {
    this.records.push(r);
    if (this.records.length > this.max) this.records.splice(0, this.records.length - this.max);
  }

  /** Newest first, at most `limit`, optionally those about `object`. */
  list(limit = 100, object?: SentCommitStatus['object']): SentCommitStatus[] {
    const out: SentCommitStatus[] = [];
    for (let i = this.records.length - 1; i >= 0 && out.length < limit; i--) {
      const r = this.records[i]!;
      if (
        object &&
        (r.object.kind !== object.kind || r.object.namespace !== object.namespace || r.object.name !== object.name)
      )
        continue;
      out.push(r);
    }
    return out;
  }
}
