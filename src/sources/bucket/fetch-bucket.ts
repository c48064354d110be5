// Indexes and downloads a bucket the way source-controller does for a Bucket: confirm the bucket exists,
// read the root `.sourceignore` object, list the objects under the prefix into a key → ETag index (ignore
// rules applied), then download the indexed objects to `<dir>/<key>`, a bounded number at a time.
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ARCHIVE_DEFAULTS } from '../../artifacts/archive.ts';
import { rulesMatcher } from '../../artifacts/ignore.ts';
import { BucketError, BucketLimitError, S3ResponseError, shownKey } from './errors.ts';
import { BUCKET_IGNORE_OBJECT, assertSafeObjectKey, isSkippedKey } from './keys.ts';
import type { EtagIndex } from './revision.ts';
import type { S3Client } from './s3-client.ts';

/** Caps on what one Bucket artifact may hold; the defaults match the archiver's. */
export interface BucketLimits {
  /** Most indexed objects (default 50,000). */
  maxObjects: number;
  /** Largest single object in bytes (default 10 MiB). */
  maxObjectBytes: number;
  /** Largest sum of indexed object sizes in bytes (default 100 MiB). */
  maxTotalBytes: number;
}

/** Default `BucketLimits`. */
export const BUCKET_LIMITS: BucketLimits = {
  maxObjects: ARCHIVE_DEFAULTS.maxFiles,
  maxObjectBytes: ARCHIVE_DEFAULTS.maxFileBytes,
  maxTotalBytes: ARCHIVE_DEFAULTS.maxTotalBytes,
};

/** Downloads in flight at once. Flux allows 100; two cores and one event loop need far fewer. */
export const BUCKET_FETCH_CONCURRENCY = 8;

/** What to index and where to put the files. */
export interface BucketSource {
  client: S3Client;
  bucket: string;
  /** Server-side filter (`spec.prefix`); keys keep their full name, prefix included. */
  prefix?: string;
  /** `spec.ignore`, applied after the `.sourceignore` object's rules. */
  ignore?: string;
  /** Empty directory the objects are written into. */
  dir: string;
  signal?: AbortSignal;
  limits?: Partial<BucketLimits>;
  /** Keys per ListObjectsV2 page (the server's default, 1000, when absent). */
  pageSize?: number;
}

/**
 * Builds the key → ETag index: fails with "bucket 'x' not found" when the bucket does not exist; skips
 * directory placeholders and `.sourceignore`; refuses unsafe keys (UnsafeObjectKeyError) and buckets past
 * the limits (BucketLimitError) before anything is downloaded. The `.sourceignore` object, when present,
 * is written to `<dir>/.sourceignore` (source-controller archives it too).
 */
export async function indexBucket(src: BucketSource): Promise<EtagIndex> {
  const { client, bucket } = src;
  const limits = { ...BUCKET_LIMITS, ...src.limits };
  const signal = src.signal;
  let exists: boolean;
  try {
    exists = await client.bucketExists(bucket, signal);
  } catch (err) {
    throw wrap(`failed to confirm existence of '${bucket}' bucket`, err, signal);
  }
  if (!exists) throw new BucketError(`bucket '${bucket}' not found`);

  const rules: string[] = [];
  const ignorePath = path.join(src.dir, BUCKET_IGNORE_OBJECT);
  try {
    await client.getObjectToFile(bucket, BUCKET_IGNORE_OBJECT, ignorePath, { maxBytes: 1024 * 1024, signal });
    rules.push(await readFile(ignorePath, 'utf8'));
  } catch (err) {
    if (!(err instanceof S3ResponseError && err.code === 'NoSuchKey')) {
      throw wrap(`failed to get Etag for '${BUCKET_IGNORE_OBJECT}' object`, err, signal);
    }
  }
  if (src.ignore !== undefined) rules.push(src.ignore);
  const ignored = rulesMatcher(rules);

  const index: EtagIndex = new Map();
  let total = 0;
  try {
    for await (const obj of client.listObjects(bucket, {
      prefix: src.prefix ?? '',
      signal,
      ...(src.pageSize ? { pageSize: src.pageSize } : {}),
    })) {
      if (isSkippedKey(obj.key)) continue;
      assertSafeObjectKey(obj.key);
      if (ignored(obj.key, false)) continue;
      if (obj.size > limits.maxObjectBytes) {
        throw new BucketLimitError(
          `object '${shownKey(obj.key)}' is larger than the ${limits.maxObjectBytes}-byte limit per object (${obj.size} bytes)`,
        );
      }
      total += obj.size;
      if (total > limits.maxTotalBytes) {
        throw new BucketLimitError(`the objects add up to more than the ${limits.maxTotalBytes}-byte limit`);
      }
      index.set(obj.key, obj.etag);
      if (index.size > limits.maxObjects) {
        throw new BucketLimitError(
          `more than ${limits.maxObjects} objects to fetch; narrow spec.prefix or spec.ignore`,
        );
      }
    }
  } catch (err) {
    throw wrap(`indexation of objects from bucket '${bucket}' failed`, err, signal);
  }
  return index;
}

/**
 * Downloads every indexed object to `<dir>/<key>`, `BUCKET_FETCH_CONCURRENCY` at a time. As
 * source-controller does, an object that disappeared since the listing leaves the index, and one whose
 * ETag changed is indexed with the ETag served. Returns the number of files fetched.
 */
export async function fetchIndexedObjects(src: BucketSource, index: EtagIndex): Promise<number> {
  const { client, bucket, signal } = src;
  const limits = { ...BUCKET_LIMITS, ...src.limits };
  const keys = [...index.keys()];
  let next = 0;
  let fetched = 0;
  const worker = async (): Promise<void> => {
    while (next < keys.length) {
      const key = keys[next++] as string;
      const file = path.join(src.dir, ...key.split('/'));
      try {
        await mkdir(path.dirname(file), { recursive: true });
        const got = await client.getObjectToFile(bucket, key, file, { maxBytes: limits.maxObjectBytes, signal });
        if (got.etag !== '' && got.etag !== index.get(key)) index.set(key, got.etag);
        fetched++;
      } catch (err) {
        if (err instanceof S3ResponseError && err.code === 'NoSuchKey') {
          index.delete(key);
          continue;
        }
        throw wrap(`failed to get '${shownKey(key)}' object`, err, signal);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(BUCKET_FETCH_CONCURRENCY, keys.length) }, worker));
  } catch (err) {
    throw wrap(`fetch from bucket '${bucket}' failed`, err, signal);
  }
  return fetched;
}

/** `<context>: <cause>`, as a BucketError (the cause's class kept as `cause`); a timeout says so. */
function wrap(context: string, err: unknown, signal: AbortSignal | undefined): BucketError {
  let detail = err instanceof Error ? err.message : String(err);
  if (signal?.aborted && (signal.reason as Error | undefined)?.name === 'TimeoutError') {
    detail = 'timed out (spec.timeout)';
  }
  const out =
    err instanceof BucketLimitError
      ? new BucketLimitError(`${context}: ${detail}`, { cause: err })
      : new BucketError(`${context}: ${detail}`, { cause: err });
  return out;
}
