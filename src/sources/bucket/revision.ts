// A Bucket's revision, computed as source-controller computes it (internal/index Digester): the index of
// object key → ETag, keys sorted bytewise, each pair written as `<key> <etag>\n`, hashed with SHA-256.
import { createHash } from 'node:crypto';

/** Object key → ETag (without quotes) of the objects that make up a Bucket artifact. */
export type EtagIndex = Map<string, string>;

/** Keys in Go's `sort.Strings` order: bytewise over UTF-8, which differs from JS's UTF-16 order past the BMP. */
export function sortedKeys(index: ReadonlyMap<string, string>): string[] {
  return [...index.keys()].sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
}

/** The revision of an index: `sha256:<hex>`; the empty index gives the SHA-256 of nothing. */
export function bucketRevision(index: ReadonlyMap<string, string>): string {
  const hash = createHash('sha256');
  for (const key of sortedKeys(index)) hash.update(`${key} ${index.get(key) ?? ''}\n`, 'utf8');
  return `sha256:${hash.digest('hex')}`;
}

/** The file name source-controller stores a Bucket artifact under: the revision's hex and `.tar.gz`. */
export function bucketArtifactFilename(revision: string): string {
  return `${revision.slice(revision.indexOf(':') + 1)}.tar.gz`;
}

/** An S3 ETag as minio-go reports it: the surrounding double quotes removed. */
export function trimEtag(etag: string): string {
  return etag.replace(/^"/, '').replace(/"$/, '');
}
