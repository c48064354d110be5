import assert from 'node:assert/strict';
import { test } from 'node:test';
import { satisfies } from 'semver';
import { semverRange } from './semver-range.ts';

const matches = (constraint: string, version: string): boolean => {
  const range = semverRange(constraint);
  assert.notEqual(range, null, `"${constraint}" parses`);
  return satisfies(version, range ?? '');
};

test('a comma means AND, as in Flux', () => {
  assert.equal(semverRange('>=1.0.0, <2.0.0'), '>=1.0.0 <2.0.0');
  assert.ok(matches('>=1.0.0, <2.0.0', '1.5.0'));
  assert.ok(!matches('>=1.0.0, <2.0.0', '2.0.0'));
  assert.ok(!matches('>=1.0.0,<2.0.0', '0.9.0'));
  assert.ok(matches('>= 1.2, < 3.0.0', '2.9.9'));
});

test('|| means OR, and binds looser than the comma', () => {
  const c = '>=1.0.0, <1.2.0 || >=2.0.0, <3.0.0';
  assert.ok(matches(c, '1.1.0'));
  assert.ok(matches(c, '2.5.0'));
  assert.ok(!matches(c, '1.5.0'));
  assert.ok(!matches(c, '3.0.0'));
});

test('npm and Masterminds forms that already agree keep their meaning', () => {
  assert.ok(matches('~1.2', '1.2.9') && !matches('~1.2', '1.3.0'));
  assert.ok(matches('^1.2.3', '1.9.0') && !matches('^1.2.3', '2.0.0'));
  assert.ok(matches('2.x', '2.7.0') && !matches('2.x', '3.0.0'));
  assert.ok(matches('1.2 - 1.4.5', '1.4.5') && !matches('1.2 - 1.4.5', '1.4.6'));
  assert.ok(matches('>=v1.0.0', '1.0.0'));
  assert.ok(matches('*', '9.9.9'));
  assert.ok(matches('2.7.0', '2.7.0') && !matches('2.7.0', '2.7.1'));
  // Pre-releases stay out unless asked for, as in both libraries.
  assert.ok(!matches('>=1.0.0, <2.0.0', '1.5.0-rc.1'));
});

test('!= excludes one version', () => {
  assert.ok(matches('>=1.0.0, !=1.2.0, <2.0.0', '1.1.0'));
  assert.ok(matches('>=1.0.0, !=1.2.0, <2.0.0', '1.3.0'));
  assert.ok(!matches('>=1.0.0, !=1.2.0, <2.0.0', '1.2.0'));
  assert.ok(!matches('>=1.0.0, !=1.2.0, <2.0.0', '2.1.0'));
});

test('empty or unparsable constraints are null, never a throw', () => {
  for (const bad of ['', ' ', 'latest', '>=1.0.0,', ',<2', '>=1.0.0 || ', 'not-a-version', '!=1.2', '>=1.0.0, foo']) {
    assert.equal(semverRange(bad), null, bad);
  }
});
