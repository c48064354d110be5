import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bucketArtifactFilename, bucketRevision, sortedKeys, trimEtag } from './revision.ts';

// Expected values are source-controller's own (internal/controller/bucket_controller_test.go): the
// revisions it asserts for these key → ETag indexes.
describe('bucketRevision', () => {
  it("matches source-controller's revision for one object", () => {
    const index = new Map([['test.txt', '098f6bcd4621d373cade4e832627b4f6']]);
    assert.equal(bucketRevision(index), 'sha256:b4c2a60ce44b67f5b659a95ce4e4cc9e2a86baf13afb72bd397c5384cbc0e479');
  });

  it("matches source-controller's revision for a nested key", () => {
    const index = new Map([['included/file.txt', '5a4bc7048b3301f677fe15b8678be2f8']]);
    assert.equal(bucketRevision(index), 'sha256:9fc2ddfc4a6f44e6c3efee40af36578b9e76d4d930eaf384b8435a0aa0bf7a0f');
  });

  it('sorts keys, so insertion order does not matter', () => {
    const expected = 'sha256:117f586dc64cfc559329e21d286edcbb94cb6b1581517eaddc0ab5292b470cd5';
    const a = new Map([
      ['included/file.txt', '5a4bc7048b3301f677fe15b8678be2f8'],
      ['ignored/file.txt', 'f08907038338288420ae7dc2d30c0497'],
    ]);
    const b = new Map([...a].reverse());
    assert.equal(bucketRevision(a), expected);
    assert.equal(bucketRevision(b), expected);
  });

  it('gives the SHA-256 of nothing for an empty bucket', () => {
    assert.equal(bucketRevision(new Map()), 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('changes when an ETag changes', () => {
    const one = bucketRevision(new Map([['a.yaml', 'x']]));
    assert.notEqual(one, bucketRevision(new Map([['a.yaml', 'y']])));
  });
});

describe('sortedKeys', () => {
  it("orders bytewise over UTF-8 like Go's sort.Strings, not by UTF-16 code units", () => {
    // U+FF5E is 0xEF 0xBD 0x9E in UTF-8; U+1F600 is 0xF0 …: bytewise the emoji sorts last, UTF-16 puts it first.
    const index = new Map([
      ['\u{1F600}.yaml', '1'],
      ['\uFF5E.yaml', '2'],
      ['B.yaml', '3'],
      ['a.yaml', '4'],
    ]);
    assert.deepEqual(sortedKeys(index), ['B.yaml', 'a.yaml', '\uFF5E.yaml', '\u{1F600}.yaml']);
  });
});

describe('bucketArtifactFilename and trimEtag', () => {
  it("names the file after the revision's hex", () => {
    assert.equal(bucketArtifactFilename('sha256:abc'), 'abc.tar.gz');
  });

  it('removes the quotes S3 puts around ETags', () => {
    assert.equal(trimEtag('"098f6bcd4621d373cade4e832627b4f6"'), '098f6bcd4621d373cade4e832627b4f6');
    assert.equal(trimEtag('"abc-2"'), 'abc-2');
    assert.equal(trimEtag('plain'), 'plain');
  });
});
