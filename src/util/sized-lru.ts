// A map that keeps its most recently used entries within a size budget: the one memory-bounded cache the
// reconcilers share (built manifests, a chart's CRDs), so each does not grow its own eviction loop.

/** Least recently used entries leave first once the summed `sizeOf` passes `maxSize`; one larger than the budget is not kept. */
export class SizedLru<V> {
  private readonly entries = new Map<string, { value: V; size: number }>();
  private total = 0;

  constructor(
    private readonly maxSize: number,
    private readonly sizeOf: (value: V) => number,
  ) {}

  /** The value under `key` (now the most recently used), or `undefined`. */
  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /** Stores `value` under `key`, replacing what was there, then evicts the oldest entries over budget. */
  set(key: string, value: V): void {
    this.delete(key);
    const size = this.sizeOf(value);
    if (size > this.maxSize) return;
    this.entries.set(key, { value, size });
    this.total += size;
    for (const [k] of this.entries) {
      if (this.total <= this.maxSize) break;
      this.delete(k);
    }
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.total -= entry.size;
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
