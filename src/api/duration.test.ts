import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, parseDuration } from './duration.ts';
import { InvalidDurationError } from './errors.ts';

void test('parseDuration converts Go durations to milliseconds', () => {
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.equal(parseDuration('60s'), 60_000);
  assert.equal(parseDuration('5m0s'), 300_000);
  assert.equal(parseDuration('1.5h'), 5_400_000);
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('1h2m3s4ms'), 3_723_004);
  assert.equal(parseDuration('0s'), 0);
  assert.equal(parseDuration('0.5s'), 500);
  assert.equal(parseDuration('1h'), 3_600_000);
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('2h45m10s'), 9_910_000);
  // Go adds repeated and unordered units up, and so does the CRD pattern allow them.
  assert.equal(parseDuration('1s1s'), 2_000);
  assert.equal(parseDuration('30s1m'), 90_000);
});

void test('parseDuration rejects what the CRD pattern rejects, naming the field', () => {
  for (const bad of ['', '10', '-1s', '1d', '1 m', 'abc', '1.s', '.5s', '1m30', 'ms', '1us']) {
    assert.throws(
      () => parseDuration(bad, 'spec.interval'),
      (err: unknown) =>
        err instanceof InvalidDurationError &&
        err.field === 'spec.interval' &&
        err.value === bad &&
        err.message.includes('spec.interval') &&
        err.reason === 'Failed',
      `expected ${JSON.stringify(bad)} to be rejected`,
    );
  }
});

void test('parseDuration accepts huge but representable values and rejects int64 overflow', () => {
  assert.equal(parseDuration('1000000h'), 3_600_000_000_000);
  assert.throws(() => parseDuration('3000000h'), InvalidDurationError);
});

void test('formatDuration prints like Go Duration.String', () => {
  assert.equal(formatDuration(0), '0s');
  assert.equal(formatDuration(500), '500ms');
  assert.equal(formatDuration(1.5), '1.5ms');
  assert.equal(formatDuration(2818.583), '2.818583s');
  assert.equal(formatDuration(90_000), '1m30s');
  assert.equal(formatDuration(3_600_000), '1h0m0s');
  assert.equal(formatDuration(3_723_004), '1h2m3.004s');
  assert.equal(formatDuration(-5), '0s');
  assert.equal(formatDuration(850), '850ms');
  assert.equal(formatDuration(1_500), '1.5s');
  assert.equal(formatDuration(30_200), '30.2s');
  assert.equal(formatDuration(125_000), '2m5s');
  assert.equal(formatDuration(300_000), '5m0s');
  assert.equal(formatDuration(5_400_000), '1h30m0s');
  assert.equal(formatDuration(9_910_000), '2h45m10s');
  assert.equal(formatDuration(0.001), '1µs');
  assert.equal(formatDuration(0.000_001), '1ns');
});

void test('formatDuration output parses back to the same value', () => {
  for (const ms of [1, 999, 1000, 61_000, 300_000, 5_400_000, 9_910_000, 2818.583]) {
    assert.equal(parseDuration(formatDuration(ms)), ms);
  }
});
