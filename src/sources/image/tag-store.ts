// The scanned tags of each ImageRepository, kept in this process's memory, never in etcd (Flux keeps them
// in its own database). After a restart the store is empty and the ImageRepository rescans ("no tags in
// database"), as Flux does when its database is lost. Bounded: a scan above `maxTagsPerRepository`
// is refused rather than stored.
import { OciRegistryError } from '../oci/errors.ts';

/** Default cap on the tags kept for one ImageRepository. */
export const DefaultMaxTagsPerRepository = 100_000;

interface Entry {
  canonicalName: string;
  tags: readonly string[];
}

/** Tags by ImageRepository (`namespace/name`), for its ImagePolicies to read. */
export class ImageTagStore {
  private readonly entries = new Map<string, Entry>();
  readonly maxTagsPerRepository: number;

  constructor(o: { maxTagsPerRepository?: number } = {}) {
    this.maxTagsPerRepository = o.maxTagsPerRepository ?? DefaultMaxTagsPerRepository;
  }

  /** Replaces the tags of `key`; throws when there are more than the cap. */
  set(key: string, canonicalName: string, tags: readonly string[]): void {
    if (tags.length > this.maxTagsPerRepository) {
      throw new OciRegistryError(
        `the repository has ${tags.length} tags, above the ${this.maxTagsPerRepository} kept per ImageRepository; narrow it with spec.exclusionList`,
      );
    }
    this.entries.set(key, { canonicalName, tags: [...tags] });
  }

  /** The tags of `key` scanned for `canonicalName`; empty when none (never scanned, or another image). */
  tags(key: string, canonicalName: string | undefined): readonly string[] {
    const e = this.entries.get(key);
    return e && e.canonicalName === canonicalName ? e.tags : [];
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}
