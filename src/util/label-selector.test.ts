import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matchesLabelSelector, parseLabelSelector } from './label-selector.ts';

test('matchesLabelSelector follows apimachinery: notin and != are met by a missing key', () => {
  const labels = { app: 'web', tier: 'front' };
  const match = (s: string, l: Record<string, string> | undefined = labels): boolean =>
    matchesLabelSelector(parseLabelSelector(s), l);
  assert.equal(match('app=web'), true);
  assert.equal(match('app==web,tier'), true);
  assert.equal(match('app=api'), false);
  assert.equal(match('app!=api'), true);
  assert.equal(match('env!=prod'), true);
  assert.equal(match('env notin (prod)'), true);
  assert.equal(match('tier in (back, front)'), true);
  assert.equal(match('!tier'), false);
  assert.equal(match('!env'), true);
  assert.equal(match('env'), false);
  assert.equal(matchesLabelSelector(parseLabelSelector('app'), undefined), false);
});
