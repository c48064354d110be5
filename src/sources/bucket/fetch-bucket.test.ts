// Pure tests of the indexing rules with a scripted lister (what an S3 server may list that versitygw's
// posix backend cannot store, such as keys with `..` segments, which AWS S3 accepts).
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { BucketError, BucketLimitError, S3ResponseError, UnsafeObjectKeyError } from './errors.ts';
import { indexBucket } from './fetch-bucket.ts';
import type { S3Client, S3Object } from './s3-client.ts';

function lister(keys: string[], size = 1): S3Client {
  const fake = {
    bucketExists: () => Promise.resolve(true),
    getObjectToFile: () => Promise.reject(new S3ResponseError('NoSuchKey', 404, 'The specified key does not exist.')),
    listObjects: async function* (): AsyncGenerator<S3Object> {
      for (const key of keys) yield { key, etag: `etag-${key}`, size };
    },
  };
  return fake as unknown as S3Client;
}

describe('indexBucket rules', () => {
  const dirs: string[] = [];
  const dir = async (): Promise<string> => {
    const d = await mkdtemp(path.join(tmpdir(), 'driftless-bucket-unit-'));
    dirs.push(d);
    return d;
  };
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  for (const key of ['../evil.yaml', 'apps/../../evil.yaml', '/etc/passwd']) {
    it(`refuses the key ${JSON.stringify(key)} and writes nothing`, async () => {
      const d = await dir();
      await assert.rejects(
        indexBucket({ client: lister(['ok.yaml', key]), bucket: 'b', dir: d }),
        (err: unknown) =>
          err instanceof BucketError &&
          err.cause instanceof UnsafeObjectKeyError &&
          err.message.startsWith("indexation of objects from bucket 'b' failed: object key '"),
      );
      assert.deepEqual(await readdir(d), []);
    });
  }

  it('skips directory placeholders and the .sourceignore object before the safety check', async () => {
    const index = await indexBucket({
      client: lister(['a/', '.sourceignore', 'a/x.yaml']),
      bucket: 'b',
      dir: await dir(),
    });
    assert.deepEqual([...index], [['a/x.yaml', 'etag-a/x.yaml']]);
  });

  it('stops at the object count and total size limits', async () => {
    await assert.rejects(
      indexBucket({ client: lister(['a', 'b', 'c']), bucket: 'b', dir: await dir(), limits: { maxObjects: 2 } }),
      (err: unknown) => err instanceof BucketLimitError && /more than 2 objects to fetch/.test(err.message),
    );
    await assert.rejects(
      indexBucket({
        client: lister(['a', 'b', 'c'], 10),
        bucket: 'b',
        dir: await dir(),
        limits: { maxTotalBytes: 25 },
      }),
      (err: unknown) => err instanceof BucketLimitError && /more than the 25-byte limit/.test(err.message),
    );
  });
});
