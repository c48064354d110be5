import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileGoRegexp, InvalidRegexpError } from './go-regexp.ts';
import { matchAlerts, validateAlertPatterns } from './match.ts';
import type { Alert } from './types.ts';
import { makeAlert, makeEvent } from './test-events.ts';

const names = (alerts: Alert[]): string[] => alerts.map((a) => a.metadata.name);

void test('kind, namespace (defaulting to the Alert namespace) and name or * must match', () => {
  const event = makeEvent();
  const alerts = [
    makeAlert({ eventSources: [{ kind: 'Kustomization', name: '*' }] }, { name: 'wildcard' }),
    makeAlert({ eventSources: [{ kind: 'Kustomization', name: 'webapp' }] }, { name: 'exact' }),
    makeAlert({ eventSources: [{ kind: 'Kustomization', name: 'other' }] }, { name: 'other-name' }),
    makeAlert({ eventSources: [{ kind: 'HelmRelease', name: '*' }] }, { name: 'other-kind' }),
    makeAlert({ eventSources: [{ kind: 'kustomization', name: '*' }] }, { name: 'kind-is-case-sensitive' }),
    makeAlert({ eventSources: [{ kind: 'Kustomization', name: '*' }] }, { name: 'other-ns', namespace: 'flux' }),
    makeAlert(
      { eventSources: [{ kind: 'Kustomization', name: '*', namespace: 'apps' }] },
      { name: 'explicit-ns', namespace: 'flux' },
    ),
    makeAlert({ eventSources: [{ kind: 'Kustomization', name: 'web*' }] }, { name: 'glob' }),
    makeAlert({ eventSources: [{ kind: 'Kustomization', name: '*app' }] }, { name: 'glob-suffix' }),
    makeAlert({ eventSources: [{ kind: 'Kustomization', name: 'w*b*p' }] }, { name: 'glob-middle' }),
    makeAlert({ eventSources: [{ kind: 'Kustomization', name: 'webapp*x' }] }, { name: 'glob-miss' }),
    makeAlert({ eventSources: [{ kind: 'Kustomization', name: '*' }], suspend: true }, { name: 'suspended' }),
    makeAlert(
      {
        eventSources: [
          { kind: 'GitRepository', name: '*' },
          { kind: 'Kustomization', name: 'webapp' },
        ],
      },
      { name: 'second-source' },
    ),
  ];
  assert.deepEqual(names(matchAlerts(event, alerts)), [
    'wildcard',
    'exact',
    'explicit-ns',
    'glob',
    'glob-suffix',
    'glob-middle',
    'second-source',
  ]);
});

void test('matchLabels needs the object labels and all of them to match', () => {
  const alert = makeAlert({ eventSources: [{ kind: 'Kustomization', name: '*', matchLabels: { team: 'web' } }] });
  const event = makeEvent();
  assert.equal(matchAlerts(event, [alert]).length, 0, 'labels unknown → no match, like a failed GET in Flux');
  assert.equal(matchAlerts(event, [alert], { objectLabels: { team: 'web', tier: 'x' } }).length, 1);
  assert.equal(matchAlerts(event, [alert], { objectLabels: { team: 'db' } }).length, 0);
  const empty = makeAlert({ eventSources: [{ kind: 'Kustomization', name: '*', matchLabels: {} }] });
  assert.equal(matchAlerts(event, [empty], { objectLabels: {} }).length, 1, 'an empty selector matches everything');
});

void test('eventSeverity info admits every event, error only error events', () => {
  const info = makeAlert({ eventSeverity: 'info' }, { name: 'info' });
  const dflt = makeAlert({}, { name: 'default' });
  const error = makeAlert({ eventSeverity: 'error' }, { name: 'error' });
  assert.deepEqual(names(matchAlerts(makeEvent({ severity: 'info' }), [info, dflt, error])), ['info', 'default']);
  assert.deepEqual(names(matchAlerts(makeEvent({ severity: 'error' }), [info, dflt, error])), [
    'info',
    'default',
    'error',
  ]);
});

void test('inclusionList needs one match, exclusionList drops on any match (Go RE2 syntax)', () => {
  const alerts = [
    makeAlert({ inclusionList: ['^Reconciliation'] }, { name: 'include' }),
    makeAlert({ inclusionList: ['nothing', '(?i)FINISHED'] }, { name: 'include-second' }),
    makeAlert({ inclusionList: ['^finished'] }, { name: 'include-miss' }),
    makeAlert({ exclusionList: ['next run in \\d+m'] }, { name: 'exclude' }),
    makeAlert({ exclusionList: ['health check'] }, { name: 'exclude-miss' }),
    makeAlert({ inclusionList: ['.*'], exclusionList: ['[[:digit:]]s,'] }, { name: 'posix-exclude' }),
  ];
  assert.deepEqual(names(matchAlerts(makeEvent(), alerts)), ['include', 'include-second', 'exclude-miss']);
});

void test('invalid patterns are reported and ignored as Flux does', () => {
  const seen: string[] = [];
  const alerts = [
    makeAlert({ inclusionList: ['(?=lookahead)'] }, { name: 'bad-include' }),
    makeAlert({ inclusionList: ['(?=lookahead)', 'Reconciliation'] }, { name: 'bad-then-good' }),
    makeAlert({ exclusionList: ['\\1'] }, { name: 'bad-exclude' }),
  ];
  const cache = new Map();
  const matched = matchAlerts(makeEvent(), alerts, {
    regexpCache: cache,
    onInvalidPattern: (alert, err) => seen.push(`${alert.metadata.name}: ${err.pattern}`),
  });
  assert.deepEqual(names(matched), ['bad-then-good', 'bad-exclude']);
  assert.deepEqual(seen, ['bad-include: (?=lookahead)', 'bad-then-good: (?=lookahead)', 'bad-exclude: \\1']);
  assert.equal(cache.size, 3);
  const errors = validateAlertPatterns(alerts[2] as Alert);
  assert.equal(errors.length, 1);
  assert.match(errors[0]?.message ?? '', /spec\.exclusionList\[0\].*invalid escape sequence/);
});

void test('noCrossNamespaceRefs blocks events from other namespaces even when a source names them', () => {
  const alert = makeAlert(
    { eventSources: [{ kind: 'Kustomization', name: '*', namespace: 'apps' }] },
    { namespace: 'flux-system' },
  );
  assert.equal(matchAlerts(makeEvent(), [alert]).length, 1);
  assert.equal(matchAlerts(makeEvent(), [alert], { noCrossNamespaceRefs: true }).length, 0);
  const local = makeAlert();
  assert.equal(matchAlerts(makeEvent(), [local], { noCrossNamespaceRefs: true }).length, 1);
});

void test('compileGoRegexp follows Go: RE2 syntax accepted, Perl-only syntax rejected with a clear error', () => {
  const ok: [string, string, boolean][] = [
    ['(?i)error', 'An ERROR', true],
    ['(?P<word>fail)ed', 'failed', true],
    ['\\pL+\\d', 'ab1', true],
    ['[[:upper:]]{3}', 'abc', false],
    ['^b$', 'a\nb', false],
    ['(?m)^b$', 'a\nb', true],
    ['a.b', 'a\nb', false],
    ['(?s)a.b', 'a\nb', true],
    ['\\Qa.b\\E', 'axb', false],
  ];
  for (const [pattern, input, want] of ok) assert.equal(compileGoRegexp(pattern).test(input), want, pattern);
  for (const bad of ['a(?=b)', 'a(?<!b)', '(a)\\1', 'x{1001}', 'a**', '\\Z', '(unclosed']) {
    assert.throws(
      () => compileGoRegexp(bad, 'spec.inclusionList[3]'),
      (err: unknown) =>
        err instanceof InvalidRegexpError &&
        err.reason === 'InvalidConfig' &&
        err.message.includes('spec.inclusionList[3]') &&
        err.message.includes('Go RE2 syntax'),
      bad,
    );
  }
});

void test('patterns that make backtracking engines explode match in linear time', () => {
  // No timing assertion: a backtracking engine would not return at all within the test timeout.
  const message = 'a'.repeat(39_000);
  assert.equal(compileGoRegexp('(a+)+b').test(message), false);
  assert.equal(compileGoRegexp('.*a.*a.*b').test(message), false);
});
