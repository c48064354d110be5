import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeEvent } from '../alerts/test-events.ts';
import { CommitStatusExprError, parseCommitStatusExpr } from './commit-status-expr.ts';

const vars = {
  event: { ...makeEvent(), metadata: { 'app.kubernetes.io/env': 'Prod', cluster: 'eu-1', foo: 'Bar' } },
  provider: { metadata: { name: 'github', namespace: 'flux-system', uid: '0C9C2E41-aaaa-bbbb' } },
  alert: { metadata: { name: 'deploys', namespace: 'flux-system' } },
};

void test('commitStatusExpr: Flux documented example and full CEL', () => {
  const cases: [string, string][] = [
    // The example of Flux's Provider documentation, verbatim.
    [
      "(event.involvedObject.kind + '/' + event.involvedObject.name + '/' + event.metadata.foo + '/' + provider.metadata.uid.split('-').first().value()).lowerAscii()",
      'kustomization/webapp/bar/0c9c2e41',
    ],
    [
      "event.involvedObject.kind + '/' + event.involvedObject.name + '/' + event.metadata.cluster + '/' + provider.metadata.uid.split('-').first().value()",
      'Kustomization/webapp/eu-1/0C9C2E41',
    ],
    ["(event.involvedObject.kind + '/' + provider.metadata.uid.split('-')[0]).lowerAscii()", 'kustomization/0c9c2e41'],
    ["event.metadata['app.kubernetes.io/env'].upperAscii()", 'PROD'],
    ['alert.metadata.name + ":" + event.reason', 'deploys:ReconciliationSucceeded'],
    ["'  x  '.trim() + 'a-b-c'.split('-').last() + 'a.b'.replace('.', '\\'')", "xca'b"],
    // Beyond the old subset: conditionals, size(), has(), matches().
    ["event.severity == 'error' ? 'failing' : 'flux/' + event.involvedObject.name", 'flux/webapp'],
    ["'flux-' + string(size(event.involvedObject.name))", 'flux-6'],
    ["has(event.metadata.cluster) ? event.metadata.cluster : 'none'", 'eu-1'],
    ["event.involvedObject.name.matches('^web') ? 'web' : 'other'", 'web'],
  ];
  for (const [source, want] of cases) assert.equal(parseCommitStatusExpr(source).evaluate(vars), want, source);
});

void test('commitStatusExpr: invalid CEL and unknown variables are rejected when compiled', () => {
  for (const source of ["'unterminated", 'secrets.token', 'event.reason +', "event.reason == 'x' ?", '']) {
    assert.throws(
      () => parseCommitStatusExpr(source),
      (err: unknown) => err instanceof CommitStatusExprError && /^commitStatusExpr: /.test(err.message),
      source,
    );
  }
  assert.throws(() => parseCommitStatusExpr('secrets.token'), /undeclared reference to 'secrets'/);
});

void test('commitStatusExpr: evaluation errors name the problem', () => {
  const fails = (source: string, pattern: RegExp) =>
    assert.throws(
      () => parseCommitStatusExpr(source).evaluate(vars),
      (err: unknown) => err instanceof CommitStatusExprError && pattern.test(err.message),
      source,
    );
  fails('event.metadata.missing', /missing/);
  fails("'a'.split('-')[3]", /commitStatusExpr: /);
  fails("event.involvedObject + 'x'", /commitStatusExpr: /);
  fails('event.metadata', /must return a string, got a map/);
  fails("'a' + [].first()", /first\(\) of an empty list/);
});
