// Tag selection (spec.policy.semver.range, spec.policy.alphabetical.order, spec.policy.numerical.order,
// spec.filterTags.pattern and spec.filterTags.extract) and the ImageRepository's spec.exclusionList.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  InvalidPolicyError,
  NoMatchingTagError,
  excludeTags,
  expandTemplate,
  parseLenientVersion,
  selectLatestTag,
  sortTagsAndGetLatest,
  tagsRevision,
} from './policy.ts';

void test('semver: the highest version in the range, the tag as written, Masterminds syntax', () => {
  const tags = ['1.0.0', 'v1.2.0', '1.10.1', '2.0.0', '2.1.0-rc.1', 'latest', 'sha-abc', '1.3'];
  assert.equal(selectLatestTag(tags, { semver: { range: '>=1.0.0 <2.0.0' } }), '1.10.1');
  assert.equal(selectLatestTag(tags, { semver: { range: '>=1.0.0, <2.0.0' } }), '1.10.1');
  assert.equal(selectLatestTag(tags, { semver: { range: '1.2.x' } }), 'v1.2.0');
  assert.equal(selectLatestTag(tags, { semver: { range: '~1.3' } }), '1.3', 'a two-part tag reads as 1.3.0');
  assert.equal(selectLatestTag(tags, { semver: { range: '*' } }), '2.0.0', 'pre-releases only when asked for');
  assert.equal(selectLatestTag(tags, { semver: { range: '>=2.1.0-0' } }), '2.1.0-rc.1');
  assert.throws(() => selectLatestTag(tags, { semver: { range: '>=5.0.0' } }), NoMatchingTagError);
});

void test('semver: a range that parses as nothing is an invalid policy', () => {
  assert.throws(
    () => selectLatestTag(['1.0.0'], { semver: { range: 'not a range' } }),
    (err: unknown) => err instanceof InvalidPolicyError && /improper constraint: not a range/.test(err.message),
  );
});

void test('lenient versions as Masterminds reads tags', () => {
  assert.equal(parseLenientVersion('v1')?.version, '1.0.0');
  assert.equal(parseLenientVersion('1.2.3-beta.1+b5')?.version, '1.2.3-beta.1');
  assert.equal(parseLenientVersion('01.2.3'), null);
  assert.equal(parseLenientVersion('main-123'), null);
});

void test('alphabetical: asc picks the last in byte order, desc the first; default asc', () => {
  const tags = ['RELEASE.2023-01-31', 'RELEASE.2024-05-02', 'RELEASE.2022-12-25'];
  assert.equal(selectLatestTag(tags, { alphabetical: {} }), 'RELEASE.2024-05-02');
  assert.equal(selectLatestTag(tags, { alphabetical: { order: 'asc' } }), 'RELEASE.2024-05-02');
  assert.equal(selectLatestTag(tags, { alphabetical: { order: 'desc' } }), 'RELEASE.2022-12-25');
  assert.equal(selectLatestTag(['a', 'B', 'b'], { alphabetical: {} }), 'b', 'byte order, not locale order');
});

void test('numerical: asc picks the largest, desc the smallest; a non-number fails like Flux', () => {
  const tags = ['9', '10', '1.5', '100', '-3'];
  assert.equal(selectLatestTag(tags, { numerical: { order: 'asc' } }), '100');
  assert.equal(selectLatestTag(tags, { numerical: { order: 'desc' } }), '-3');
  assert.throws(
    () => selectLatestTag(['1', 'latest'], { numerical: {} }),
    (err: unknown) =>
      err instanceof NoMatchingTagError && /failed to parse invalid numeric value 'latest'/.test(err.message),
  );
});

void test('no policy chosen is an invalid policy', () => {
  assert.throws(() => selectLatestTag(['1'], {}), InvalidPolicyError);
});

void test('filterTags: pattern keeps matching tags, extract with named groups picks by the extracted value', () => {
  const tags = ['main-abc123-1700000100', 'main-def456-1700000300', 'dev-zzz999-1800000000', 'main-bad-x', '1.0.0'];
  const filter = { pattern: '^main-[a-f0-9]+-(?P<ts>[0-9]+)', extract: '$ts' };
  assert.equal(selectLatestTag(tags, { numerical: { order: 'asc' } }, filter), 'main-def456-1700000300');
  assert.equal(
    selectLatestTag(
      tags,
      { numerical: { order: 'asc' } },
      { pattern: '^main-[a-f0-9]+-(?<ts>[0-9]+)', extract: '${ts}' },
    ),
    'main-def456-1700000300',
  );
  assert.equal(
    selectLatestTag(
      ['app-v1.2.0', 'app-v1.10.0', 'other-v9.0.0'],
      { semver: { range: '^1' } },
      { pattern: '^app-v(.*)$', extract: '$1' },
    ),
    'app-v1.10.0',
  );
  assert.equal(selectLatestTag(tags, { alphabetical: {} }, { pattern: '^main-' }), 'main-def456-1700000300');
  assert.throws(() => selectLatestTag(tags, { alphabetical: {} }, { pattern: '^nothing' }), NoMatchingTagError);
});

void test('filterTags: a pattern RE2 rejects is an invalid policy; catastrophic patterns run in linear time', () => {
  assert.throws(
    () => selectLatestTag(['a'], { alphabetical: {} }, { pattern: '(?=x)' }),
    (err: unknown) => err instanceof InvalidPolicyError && /failed to filter tags/.test(err.message),
  );
  const evil = `${'a'.repeat(5000)}!`;
  assert.throws(() => selectLatestTag([evil], { alphabetical: {} }, { pattern: '^(a+)+$' }), NoMatchingTagError);
});

void test('extract templates expand as Go Regexp.Expand', () => {
  const groups: Record<string, string> = { 1: 'one', ts: '42' };
  const g = (n: string) => groups[n] ?? null;
  assert.equal(expandTemplate('$ts-$1', g), '42-one');
  assert.equal(expandTemplate('${ts}x', g), '42x');
  assert.equal(expandTemplate('$tsx', g), '', 'the longest name, unknown: empty');
  assert.equal(expandTemplate('$$ts', g), '$ts');
});

void test('exclusionList: RE2 patterns remove matching tags; the default drops cosign signatures', () => {
  const tags = ['1.0.0', 'sha256-abc.sig', 'sha256-abc.att', '1.0.1'];
  assert.deepEqual(excludeTags(tags, ['^.*\\.sig$']), ['1.0.0', 'sha256-abc.att', '1.0.1']);
  assert.deepEqual(excludeTags(tags, ['^.*\\.sig$', '\\.att$']), ['1.0.0', '1.0.1']);
  assert.deepEqual(excludeTags(tags, ['1\\.0']), ['sha256-abc.sig', 'sha256-abc.att'], 'matches anywhere');
  assert.throws(() => excludeTags(tags, ['(?<!x)']), /failed to compile regex/);
});

void test('latest tags: the first 10 in descending byte order; the revision hashes the sorted list', () => {
  const tags = Array.from({ length: 12 }, (_, i) => `v${i}`);
  const latest = sortTagsAndGetLatest(tags);
  assert.deepEqual(latest, ['v9', 'v8', 'v7', 'v6', 'v5', 'v4', 'v3', 'v2', 'v11', 'v10']);
  assert.equal(tagsRevision(['b', 'a']), tagsRevision(sortTagsAndGetLatest(['a', 'b']).concat()));
  assert.match(tagsRevision(['b', 'a']), /^sha256:[0-9a-f]{64}$/);
  assert.notEqual(tagsRevision(['b', 'a']), tagsRevision(['b']));
});
