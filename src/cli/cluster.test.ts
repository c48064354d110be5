import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command, InvalidArgumentError } from 'commander';
import { durationFlag, withClusterFlags } from './cluster.ts';
import { runCommand } from './run.ts';

void test('durationFlag accepts every Go duration the API accepts', () => {
  assert.equal(durationFlag('1h'), 3_600_000);
  assert.equal(durationFlag('1m30s'), 90_000);
  assert.equal(durationFlag('500ms'), 500);
  assert.equal(durationFlag('1.5h'), 5_400_000);
  assert.equal(durationFlag('2h45m10s'), 9_910_000);
});

void test('durationFlag rejects what is not a Go duration', () => {
  for (const bad of ['', '30', '1d', '-1s', '1 m']) {
    assert.throws(() => durationFlag(bad), InvalidArgumentError, `expected ${JSON.stringify(bad)} to be rejected`);
  }
});

void test('--timeout takes a Go duration and commander names the flag when it is not one', () => {
  const parse = (args: string[]): { timeout: number } => {
    const cmd = withClusterFlags(new Command('get').exitOverride().configureOutput({ writeErr: () => undefined }));
    cmd.parse(args, { from: 'user' });
    return cmd.opts<{ timeout: number }>();
  };
  assert.equal(parse([]).timeout, 300_000);
  assert.equal(parse(['--timeout', '1m30s']).timeout, 90_000);
  assert.throws(() => parse(['--timeout', '5x']), /option '--timeout <duration>' argument '5x' is invalid/);
});

void test('run parses its duration flags like Flux controllers do (time.ParseDuration)', () => {
  let seen: Record<string, unknown> = {};
  const cmd = runCommand()
    .exitOverride()
    .configureOutput({ writeErr: () => undefined })
    .action((o: Record<string, unknown>) => {
      seen = o;
    });
  cmd.parse(
    [
      '--requeue-dependency=1m30s',
      '--leader-election-lease-duration=1h',
      '--leader-election-renew-deadline=1.5s',
      '--leader-election-retry-period=500ms',
      '--reporting-interval=2h45m10s',
    ],
    { from: 'user' },
  );
  assert.equal(seen['requeueDependency'], 90_000);
  assert.equal(seen['leaderElectionLeaseDuration'], 3_600_000);
  assert.equal(seen['leaderElectionRenewDeadline'], 1_500);
  assert.equal(seen['leaderElectionRetryPeriod'], 500);
  assert.equal(seen['reportingInterval'], 9_910_000);
  assert.throws(
    () =>
      runCommand()
        .exitOverride()
        .configureOutput({ writeErr: () => undefined })
        .parse(['--requeue-dependency=30'], { from: 'user' }),
    /option '--requeue-dependency <duration>' argument '30' is invalid/,
  );
});
