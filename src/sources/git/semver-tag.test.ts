import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLsRemote, pickSemverTag } from './semver-tag.ts';

const a = 'a'.repeat(40);
const b = 'b'.repeat(40);
const c = 'c'.repeat(40);

void test('parses ls-remote output and folds peeled tags', () => {
  const out = [
    `${a}\tHEAD`,
    `${a}\trefs/heads/main`,
    `${b}\trefs/tags/v1.0.0`,
    `${c}\trefs/tags/v1.0.0^{}`,
    'junk',
    '',
  ].join('\n');
  assert.deepEqual(parseLsRemote(out), [
    { name: 'HEAD', sha: a },
    { name: 'refs/heads/main', sha: a },
    { name: 'refs/tags/v1.0.0', sha: b, peeled: c },
  ]);
});

void test('picks the highest tag in range, tolerating a leading v', () => {
  const tags = ['refs/tags/v1.0.0', 'refs/tags/v1.10.0', 'refs/tags/1.9.0', 'refs/tags/v2.0.0', 'refs/tags/latest'];
  assert.equal(pickSemverTag(tags, '^1.0.0'), 'v1.10.0');
  assert.equal(pickSemverTag(tags, '*'), 'v2.0.0');
  assert.equal(pickSemverTag(tags, '<1.5'), 'v1.0.0');
  assert.equal(pickSemverTag(tags, '>=3'), undefined);
  assert.equal(pickSemverTag([], '*'), undefined);
});

void test("takes Flux's comma constraints, and an unparsable one picks nothing", () => {
  const tags = ['v0.9.0', 'v1.0.0', 'v1.4.2', 'v2.0.0'];
  assert.equal(pickSemverTag(tags, '>=1.0.0, <2.0.0'), 'v1.4.2');
  assert.equal(pickSemverTag(tags, '>=1.0.0, <1.4.0 || >=3.0.0'), 'v1.0.0');
  assert.equal(pickSemverTag(tags, 'latest'), undefined);
});

void test('skips prereleases unless the range asks for them, and ties are deterministic', () => {
  const tags = ['v1.0.0', 'v1.1.0-rc.1'];
  assert.equal(pickSemverTag(tags, '>=1.0.0'), 'v1.0.0');
  assert.equal(pickSemverTag(tags, '>=1.1.0-rc.0'), 'v1.1.0-rc.1');
  assert.equal(pickSemverTag(['1.0.0', 'v1.0.0'], '1.x'), pickSemverTag(['v1.0.0', '1.0.0'], '1.x'));
});
