// The last commit status posted per (forge, repository, commit, context), to skip exact repeats.

/**
 * A bounded in-memory memo: `isDuplicate` is true when the same state and description were the last
 * ones posted for the key. Forgets the least recently posted keys beyond `capacity` (default 2,048);
 * a restart forgets everything, which costs at most one repeated status per context.
 */
export class CommitStatusMemo {
  private readonly capacity: number;
  private readonly last = new Map<string, string>();

  constructor(options: { capacity?: number } = {}) {
    this.capacity = Math.max(1, options.capacity ?? 2048);
  }

  /** Whether `fingerprint` (state + description) equals the last one remembered for `key`. */
  isDuplicate(key: string, fingerprint: string): boolean {
    return this.last.get(key) === fingerprint;
  }

  /** Records a successful post. */
  remember(key: string, fingerprint: string): void {
    this.last.delete(key);
    this.last.set(key, fingerprint);
    if (this.last.size > this.capacity) {
      const oldest = this.last.keys().next();
      if (!oldest.done) this.last.delete(oldest.value);
    }
  }

  /** Keys remembered. */
  get size(): number {
    return this.last.size;
  }
}
