import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeEvent } from '../alerts/test-events.ts';
import { CommitStatusExprError, parseCommitStatusExpr } from './commit-status-expr.ts';

const vars = {
  event: { ...makeEvent(), metadata: { 'app.kubernetes.io/env': 'Prod', cluster: 'eu-1' } },
  provider: { metadata: { name: 'github', namespace: 'flux-system', uid: '0C9C2E41-aaaa-bbbb' } },
  alert: { metadata: { name: 'deploys', namespace: 'flux-system' } },
};

void test('the documented subset evaluates like CEL', () => {
  const cases: [string, string][] = [
    // The example from Flux's Provider documentation.
    [
      "event.involvedObject.kind + '/' + event.involvedObject.name + '/' + event.metadata.cluster + '/' + provider.metadata.uid.split('-').first().value()",
      'Kustomization/webapp/eu-1/0C9C2E41',
    ],
    ["(event.involvedObject.kind + '/' + provider.metadata.uid.split('-')[0]).lowerAscii()", 'kustomization/0c9c2e41'],
    ["event.metadata['app.kubernetes.io/env'].upperAscii()", 'PROD'],
    ['alert.metadata.name + ":" + event.reason', 'deploys:ReconciliationSucceeded'],
    ["'  x  '.trim() + 'a-b-c'.split('-').last() + 'a.b'.replace('.', '\\'')", "xca'b"],
  ];
  for (const [source, want] of cases) assert.equal(parseCommitStatusExpr(source).evaluate(vars), want, source);
});

void test('syntax outside the subset is rejected when parsed, with the offset', () => {
  for (const source of [
    "event.reason == 'x' ? 'a' : 'b'",
    'size(event.message)',
    'event.message.matches("x")',
    "'unterminated",
    'secrets.token',
    'event.reason +',
    "'a'.split()",
  ]) {
    assert.throws(
      () => parseCommitStatusExpr(source),
      (err: unknown) => err instanceof CommitStatusExprError && /commitStatusExpr: .*offset \d+/.test(err.message),
      source,
    );
  }
});

void test('evaluation errors name the problem', () => {
  const fails = (source: string, pattern: RegExp) =>
    assert.throws(() => parseCommitStatusExpr(source).evaluate(vars), pattern, source);
  fails('event.metadata.missing', /no such key: missing/);
  fails("'a'.split('-')[3]", /out of range/);
  fails("event.involvedObject + 'x'", /joins strings only/);
  fails('event.metadata', /must evaluate to a string/);
});
