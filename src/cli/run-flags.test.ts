import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fluxFlagConfig } from './run-flags.ts';
import { runCommand } from './run.ts';

/** Parses `driftless run` arguments without starting anything: the options commander produced. */
async function parse(args: string[]): Promise<Record<string, unknown>> {
  let captured: Record<string, unknown> = {};
  const cmd = runCommand()
    .exitOverride()
    .configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  cmd.action((o: Record<string, unknown>) => {
    captured = o;
  });
  await cmd.parseAsync(args, { from: 'user' });
  return captured;
}

const config = async (args: string[], env: NodeJS.ProcessEnv = {}) => fluxFlagConfig(await parse(args), env);

void test('defaults are Flux’s: all namespaces, no lockdown, no leader election on a laptop', async () => {
  const c = await config([]);
  assert.equal(c.watchAllNamespaces, true);
  assert.equal(c.noCrossNamespaceRefs, false);
  assert.equal(c.noRemoteBases, false);
  assert.equal(c.enableLeaderElection, false);
  assert.equal(c.driftWatch, true);
  assert.equal(c.runtimeNamespace, 'flux-system');
  assert.equal(c.watchLabelSelector, undefined);
  assert.equal(c.controllers, undefined);
});

void test('Go-style booleans: --flag, --flag=true|false, --flag false, also for names starting with --no-', async () => {
  assert.equal((await config(['--enable-leader-election'])).enableLeaderElection, true);
  assert.equal((await config(['--enable-leader-election=false'])).enableLeaderElection, false);
  assert.equal((await config(['--enable-leader-election', 'false'])).enableLeaderElection, false);
  assert.equal((await config(['--enable-leader-election=True'])).enableLeaderElection, true);
  assert.equal((await config(['--watch-all-namespaces=false'])).watchAllNamespaces, false);
  assert.equal((await config(['--watch-all-namespaces=true'])).watchAllNamespaces, true);
  assert.equal((await config(['--watch-all-namespaces'])).watchAllNamespaces, true);
  assert.equal((await config(['--no-cross-namespace-refs=true'])).noCrossNamespaceRefs, true);
  assert.equal((await config(['--no-cross-namespace-refs'])).noCrossNamespaceRefs, true);
  assert.equal((await config(['--no-cross-namespace-refs=false'])).noCrossNamespaceRefs, false);
  assert.equal((await config(['--no-remote-bases=true'])).noRemoteBases, true);
  assert.equal((await config(['--no-remote-bases=false'])).noRemoteBases, false);
  assert.equal((await config(['--no-drift-watch'])).driftWatch, false);
  assert.equal((await config(['--no-drift-watch=false'])).driftWatch, true);
  // The last occurrence wins, as with pflag.
  assert.equal(
    (await config(['--enable-leader-election', '--enable-leader-election=false'])).enableLeaderElection,
    false,
  );
});

void test('a value that is not a boolean is an error naming the flag', async () => {
  await assert.rejects(parse(['--enable-leader-election=yes']), /enable-leader-election.*not a boolean/s);
  await assert.rejects(parse(['--no-cross-namespace-refs=1x']), /no-cross-namespace-refs.*not a boolean/s);
});

void test('value flags take --flag=value and --flag value', async () => {
  const a = await parse(['--concurrent=8', '--requeue-dependency', '5s', '--log-level=debug', '--metrics-addr', ':0']);
  assert.equal(a['concurrent'], 8);
  assert.equal(a['requeueDependency'], 5000);
  assert.equal(a['logLevel'], 'debug');
  assert.equal(a['metricsAddr'], ':0');
  const b = await parse(['--storage-path=/x', '--storage-addr=:0', '--storage-adv-addr', 'src.ns', '--health-addr=:1']);
  assert.deepEqual(
    [b['storagePath'], b['storageAddr'], b['storageAdvAddr'], b['healthAddr']],
    ['/x', ':0', 'src.ns', ':1'],
  );
  const c = await parse(['--kube-api-qps=20', '--kube-api-burst', '40', '--default-service-account=default']);
  assert.deepEqual([c['kubeApiQps'], c['kubeApiBurst'], c['defaultServiceAccount']], [20, 40, 'default']);
  // notification-controller's spelling of the receiver address.
  assert.equal((await parse(['--receiverAddr=:9393']))['receiverAddr'], ':9393');
});

void test('sharding and namespace scoping: selector checked at parse time, RUNTIME_NAMESPACE as Flux', async () => {
  const c = await config(
    [
      '--watch-label-selector=sharding.fluxcd.io/key=shard1',
      '--enable-leader-election',
      '--watch-all-namespaces=false',
    ],
    {
      RUNTIME_NAMESPACE: 'tenants',
    },
  );
  assert.equal(c.watchLabelSelector, 'sharding.fluxcd.io/key=shard1');
  assert.equal(c.runtimeNamespace, 'tenants');
  assert.equal(
    (await config(['--watch-label-selector', '!sharding.fluxcd.io/key', '--enable-leader-election']))
      .watchLabelSelector,
    '!sharding.fluxcd.io/key',
  );
  await assert.rejects(
    parse(['--watch-label-selector=sharding.fluxcd.io/key in (a']),
    /watch-label-selector.*unbalanced/s,
  );
});

void test('--watch-configs-label-selector: Flux’s default, any selector that parses, empty for every one', async () => {
  assert.equal((await config([])).watchConfigsLabelSelector, 'reconcile.fluxcd.io/watch=Enabled');
  assert.equal((await config(['--watch-configs-label-selector=owner!=helm'])).watchConfigsLabelSelector, 'owner!=helm');
  assert.equal((await config(['--watch-configs-label-selector='])).watchConfigsLabelSelector, '');
  await assert.rejects(parse(['--watch-configs-label-selector=a in (b']), /watch-configs-label-selector.*unbalanced/s);
});

void test('--controllers selects groups; unknown ones fail with the known list', async () => {
  assert.deepEqual((await config(['--controllers=notification'])).controllers, ['notification-controller']);
  assert.deepEqual((await config(['--controllers', 'source-controller,kustomize'])).controllers, [
    'source-controller',
    'kustomize-controller',
  ]);
  await assert.rejects(config(['--controllers=sauce']), /unknown reconciler group "sauce".*known: source, kustomize/s);
});

void test('Flux flags Driftless does not implement are refused by name, all at once, whatever their value', async () => {
  await assert.rejects(
    config(['--concurrent-ssa=8', '--sops-age-secret', 'sops-age', '--interval-jitter-percentage=10']),
    (err: Error) => {
      assert.match(err.message, /--concurrent-ssa: /);
      assert.match(err.message, /--sops-age-secret: /);
      assert.match(err.message, /--interval-jitter-percentage: /);
      return true;
    },
  );
  await assert.rejects(config(['--insecure-kubeconfig-tls']), /--insecure-kubeconfig-tls: /);
  await assert.rejects(config(['--log-level=verbose']), /--log-level: "verbose" is not one of/);
  await assert.rejects(parse(['--log-encoding=console']), /log encoding "console" is not supported/);
  assert.equal((await parse(['--log-encoding=json']))['logEncoding'], 'json');
  await assert.rejects(parse(['--feature-gates=OOMWatch=true']), /OOMWatch=true not supported/);
  assert.equal((await config([])).objectLevelWorkloadIdentity, undefined);
  assert.equal(
    (await config(['--feature-gates=ObjectLevelWorkloadIdentity=true,ExternalArtifact=true']))
      .objectLevelWorkloadIdentity,
    true,
  );
  assert.equal(
    (await config(['--feature-gates=ObjectLevelWorkloadIdentity=false'])).objectLevelWorkloadIdentity,
    undefined,
  );
  // Flux's InconsistentObjectLevelConfiguration: the default kubeconfig identity needs the gate.
  await assert.rejects(
    config(['--default-kubeconfig-service-account=tenant']),
    /cannot set default service accounts when the feature gate ObjectLevelWorkloadIdentity is not enabled/,
  );
  assert.equal(
    (await config(['--default-kubeconfig-service-account=tenant', '--feature-gates=ObjectLevelWorkloadIdentity=true']))
      .defaultKubeConfigServiceAccount,
    'tenant',
  );
  await assert.rejects(parse(['--leader-election-release-on-cancel=false']), /always released/);
  await assert.rejects(parse(['--made-up-flag']), /unknown option '--made-up-flag'/);
});

void test('a shard without leader election is refused: its replicas would both reconcile', async () => {
  await assert.rejects(
    parse(['--watch-label-selector=sharding.fluxcd.io/key=shard1']),
    /needs --enable-leader-election/,
  );
  await assert.rejects(
    parse(['--watch-label-selector=sharding.fluxcd.io/key=shard1', '--enable-leader-election=false']),
    /needs --enable-leader-election/,
  );
});

void test('the Lease namespace is the runtime namespace in a Pod, unless given', async () => {
  const saved = process.env['RUNTIME_NAMESPACE'];
  process.env['RUNTIME_NAMESPACE'] = 'tenants';
  try {
    assert.equal((await parse([]))['leaderElectionNamespace'], 'tenants');
    assert.equal((await parse(['--leader-election-namespace=other']))['leaderElectionNamespace'], 'other');
  } finally {
    if (saved === undefined) delete process.env['RUNTIME_NAMESPACE'];
    else process.env['RUNTIME_NAMESPACE'] = saved;
  }
  assert.equal((await parse([]))['leaderElectionNamespace'], 'flux-system');
});
