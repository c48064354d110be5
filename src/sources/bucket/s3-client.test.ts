import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BucketEndpointError } from './errors.ts';
import { encodeRfc3986, parseEndpoint } from './s3-client.ts';
import { parseListPage } from './s3-response.ts';

describe('parseEndpoint', () => {
  it('takes host[:port] and picks the default port by scheme', () => {
    assert.deepEqual(parseEndpoint('s3.example.com', false), {
      hostname: 's3.example.com',
      host: 's3.example.com',
      port: 443,
    });
    assert.deepEqual(parseEndpoint('127.0.0.1:9000', true), {
      hostname: '127.0.0.1',
      host: '127.0.0.1:9000',
      port: 9000,
    });
    assert.deepEqual(parseEndpoint('[::1]:9000', true), { hostname: '::1', host: '[::1]:9000', port: 9000 });
  });

  it('refuses a scheme, a path or nothing, as minio-go does', () => {
    assert.throws(() => parseEndpoint('http://minio:9000', true), BucketEndpointError);
    assert.throws(() => parseEndpoint('https://s3.example.com', false), /without a scheme \(set spec.insecure/);
    assert.throws(() => parseEndpoint('minio:9000/bucket', true), /without a path/);
    assert.throws(() => parseEndpoint('', true), BucketEndpointError);
  });
});

describe('encodeRfc3986', () => {
  it("escapes everything but RFC 3986's unreserved characters, as Signature V4 canonicalises", () => {
    assert.equal(encodeRfc3986("a b+c/d!'()*~._-"), 'a%20b%2Bc%2Fd%21%27%28%29%2A~._-');
  });
});

describe('parseListPage', () => {
  it('reads keys, unquoted ETags, sizes and the continuation token', () => {
    const page = parseListPage(`<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>b</Name><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys><IsTruncated>true</IsTruncated>
  <NextContinuationToken>tok+/=</NextContinuationToken>
  <Contents><Key>0123</Key><ETag>&quot;098f6bcd4621d373cade4e832627b4f6&quot;</ETag><Size>4</Size></Contents>
  <Contents><Key>apps/x.yaml</Key><ETag>"abc-2"</ETag><Size>10</Size></Contents>
</ListBucketResult>`);
    assert.deepEqual(page.objects, [
      { key: '0123', etag: '098f6bcd4621d373cade4e832627b4f6', size: 4 },
      { key: 'apps/x.yaml', etag: 'abc-2', size: 10 },
    ]);
    assert.equal(page.truncated, true);
    assert.equal(page.nextToken, 'tok+/=');
  });

  it('URL-decodes keys when the server honoured encoding-type=url', () => {
    const page = parseListPage(`<ListBucketResult><EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>
  <Contents><Key>a+b%2Bc%2F..%2Fd</Key><ETag>e</ETag><Size>1</Size></Contents></ListBucketResult>`);
    assert.deepEqual(
      page.objects.map((o) => o.key),
      ['a b+c/../d'],
    );
    assert.equal(page.truncated, false);
    assert.equal(page.nextToken, undefined);
  });

  it('handles an empty bucket and one object (no array in the XML)', () => {
    assert.deepEqual(
      parseListPage('<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>').objects,
      [],
    );
    assert.equal(
      parseListPage(
        '<ListBucketResult><Contents><Key>k</Key><ETag>e</ETag><Size>1</Size></Contents></ListBucketResult>',
      ).objects.length,
      1,
    );
  });

  it('refuses an answer that is not a listing', () => {
    assert.throws(() => parseListPage('<Error><Code>AccessDenied</Code></Error>'), /no ListBucketResult/);
  });
});
