// The bucket client and fetcher against a real S3 server (versitygw, Signature V4 enforced).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startS3Server, type S3Server } from '../../devenv/s3-server.ts';
import { BucketError, BucketLimitError, UnsafeObjectKeyError } from './errors.ts';
import { fetchIndexedObjects, indexBucket } from './fetch-bucket.ts';
import { bucketRevision } from './revision.ts';
import { S3Client } from './s3-client.ts';

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

describe('bucket fetch against versitygw', () => {
  let s3: S3Server;
  let client: S3Client;
  const dirs: string[] = [];
  const freshDir = async (): Promise<string> => {
    const d = await mkdtemp(path.join(tmpdir(), 'driftless-bucket-int-'));
    dirs.push(d);
    return d;
  };

  before(async () => {
    s3 = await startS3Server();
    client = s3.client();
  });
  after(async () => {
    client?.close();
    await s3?.stop();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('lists every object once across ListObjectsV2 pages (continuation tokens)', async () => {
    const objects = Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`k/${i}.yaml`, `v${i}`]));
    await s3.createBucket('paged', objects);
    const listed = [];
    for await (const o of client.listObjects('paged', { pageSize: 2 })) listed.push(o);
    assert.deepEqual(
      listed.map((o) => o.key),
      Object.keys(objects).sort(),
    );
    for (const o of listed) assert.equal(o.etag, md5(objects[o.key] as string), o.key);
  });

  it('indexes key → ETag (MD5 of single-part uploads), downloads the files and applies .sourceignore then spec.ignore', async () => {
    const objects = {
      'apps/a.yaml': 'kind: A\n',
      'apps/sub/b.yaml': 'kind: B\n',
      'docs/readme.md': '# not config\n',
      'ignored/x.yaml': 'kind: X\n',
      'with space+plus.yaml': 'kind: S\n',
      'dir-marker/': '',
      '.sourceignore': 'ignored/\ndocs/\n',
    };
    await s3.createBucket('content', objects);
    const dir = await freshDir();
    const index = await indexBucket({ client, bucket: 'content', dir, ignore: '!docs/\n' });
    const expected = new Map(
      ['apps/a.yaml', 'apps/sub/b.yaml', 'docs/readme.md', 'with space+plus.yaml'].map((k) => [
        k,
        md5(objects[k as keyof typeof objects]),
      ]),
    );
    assert.deepEqual(new Map([...index].sort()), new Map([...expected].sort()));
    assert.equal(await fetchIndexedObjects({ client, bucket: 'content', dir }, index), 4);
    assert.equal(await readFile(path.join(dir, 'apps/sub/b.yaml'), 'utf8'), 'kind: B\n');
    assert.equal(await readFile(path.join(dir, 'with space+plus.yaml'), 'utf8'), 'kind: S\n');
    // source-controller keeps the downloaded .sourceignore beside the objects.
    assert.deepEqual((await readdir(dir)).sort(), ['.sourceignore', 'apps', 'docs', 'with space+plus.yaml']);
    assert.equal(bucketRevision(index), bucketRevision(expected));
  });

  it('filters by prefix on the server and keeps the full keys', async () => {
    await s3.createBucket('prefixed', { 'team-a/x.yaml': 'a', 'team-b/y.yaml': 'b' });
    const index = await indexBucket({ client, bucket: 'prefixed', dir: await freshDir(), prefix: 'team-a/' });
    assert.deepEqual([...index.keys()], ['team-a/x.yaml']);
  });

  it('says a missing bucket is not found', async () => {
    await assert.rejects(
      indexBucket({ client, bucket: 'does-not-exist', dir: await freshDir() }),
      (err: unknown) => err instanceof BucketError && err.message === "bucket 'does-not-exist' not found",
    );
  });

  it('fails on wrong keys without naming the secret', async () => {
    const wrong = new S3Client({
      endpoint: s3.endpoint,
      insecure: true,
      credentials: { accessKeyId: s3.accessKey, secretAccessKey: 'not-the-secret-key-9f2c' },
    });
    try {
      await assert.rejects(indexBucket({ client: wrong, bucket: 'paged', dir: await freshDir() }), (err: unknown) => {
        assert.ok(err instanceof BucketError);
        assert.equal(err.message, "failed to confirm existence of 'paged' bucket: Access Denied.");
        assert.ok(!err.message.includes('not-the-secret-key-9f2c') && !err.message.includes(s3.secretKey));
        return true;
      });
      // The listing answers with S3's own error for a bad signature.
      await assert.rejects(async () => {
        for await (const o of wrong.listObjects('paged')) void o;
      }, /SignatureDoesNotMatch|signature we calculated does not match/);
    } finally {
      wrong.close();
    }
  });

  it('refuses an object key with backslash-dot-dot before downloading anything', async () => {
    await s3.createBucket('unsafe', { 'ok.yaml': 'x', 'a\\..\\..\\evil.yaml': 'evil' });
    await assert.rejects(
      indexBucket({ client, bucket: 'unsafe', dir: await freshDir() }),
      (err: unknown) =>
        err instanceof BucketError &&
        err.cause instanceof UnsafeObjectKeyError &&
        /indexation of objects from bucket 'unsafe' failed: object key 'a\\\.\.\\\.\.\\evil\.yaml' contains a backslash/.test(
          err.message,
        ),
    );
  });

  it('caps the size of one object, from the listing and while streaming', async () => {
    await s3.createBucket('big', { 'big.yaml': 'x'.repeat(2048) });
    await assert.rejects(
      indexBucket({ client, bucket: 'big', dir: await freshDir(), limits: { maxObjectBytes: 1024 } }),
      (err: unknown) =>
        err instanceof BucketLimitError && /larger than the 1024-byte limit per object/.test(err.message),
    );
    const dir = await freshDir();
    await assert.rejects(
      client.getObjectToFile('big', 'big.yaml', path.join(dir, 'big.yaml'), { maxBytes: 100 }),
      BucketLimitError,
    );
  });

  it('drops an object that disappeared between listing and download, as source-controller does', async () => {
    await s3.createBucket('racy', { 'stay.yaml': 's', 'gone.yaml': 'g' });
    const dir = await freshDir();
    const index = await indexBucket({ client, bucket: 'racy', dir });
    await s3.remove('racy', ['gone.yaml']);
    assert.equal(await fetchIndexedObjects({ client, bucket: 'racy', dir }, index), 1);
    assert.deepEqual([...index.keys()], ['stay.yaml']);
  });
});

describe('a server in another region (versitygw --region eu-west-1)', () => {
  let s3: S3Server;
  before(async () => {
    s3 = await startS3Server({ region: 'eu-west-1' });
    await s3.createBucket('regional', { 'a.yaml': 'a' });
  });
  after(async () => {
    await s3?.stop();
  });
  const credentials = (): { accessKeyId: string; secretAccessKey: string } => ({
    accessKeyId: s3.accessKey,
    secretAccessKey: s3.secretKey,
  });

  it('is found without spec.region: the client takes the region the server names, as minio-go does', async () => {
    const client = new S3Client({ endpoint: s3.endpoint, insecure: true, credentials: credentials() });
    try {
      const dir = await mkdtemp(path.join(tmpdir(), 'driftless-bucket-int-'));
      try {
        const index = await indexBucket({ client, bucket: 'regional', dir });
        assert.deepEqual([...index], [['a.yaml', md5('a')]]);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    } finally {
      client.close();
    }
  });

  it("with a wrong spec.region, fails with the server's reason instead of a bare status", async () => {
    const client = new S3Client({
      endpoint: s3.endpoint,
      insecure: true,
      region: 'us-east-1',
      credentials: credentials(),
    });
    try {
      await assert.rejects(client.bucketExists('regional'), /the region "us-east-1" is wrong; expecting "eu-west-1"/);
    } finally {
      client.close();
    }
  });
});
