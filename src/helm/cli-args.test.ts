import { test } from 'node:test';
import assert from 'node:assert/strict';
import { installArgs, rollbackArgs, testArgs, uninstallArgs, upgradeArgs } from './cli-args.ts';

const base = { namespace: 'apps', timeoutMs: 300_000, wait: 'watcher' as const, waitForJobs: true };

void test('install: values file, namespace, kubeconfig, impersonation, timeout, wait, server-side with forced conflicts', () => {
  assert.deepEqual(
    installArgs(
      {
        ...base,
        release: 'web',
        chartPath: '/c/web',
        asUser: 'system:serviceaccount:apps:deployer',
        createNamespace: true,
        skipCrds: true,
      },
      '/tmp/v.yaml',
      '/k/config',
    ),
    [
      'install',
      'web',
      '/c/web',
      '--values',
      '/tmp/v.yaml',
      '--namespace',
      'apps',
      '--kubeconfig',
      '/k/config',
      '--kube-as-user',
      'system:serviceaccount:apps:deployer',
      '--timeout',
      '300s',
      '--wait=watcher',
      '--wait-for-jobs',
      '--server-side=true',
      '--force-conflicts',
      '--create-namespace',
      '--skip-crds',
    ],
  );
});

void test('hookOnly waiting drops --wait-for-jobs; optional install flags', () => {
  const args = installArgs(
    {
      ...base,
      wait: 'hookOnly',
      release: 'web',
      chartPath: '/c',
      disableHooks: true,
      serverSide: false,
      takeOwnership: true,
      disableOpenApiValidation: true,
      skipSchemaValidation: true,
      replace: true,
    },
    '/v',
  );
  assert.ok(args.includes('--wait=hookOnly'));
  assert.ok(!args.includes('--wait-for-jobs'));
  for (const f of [
    '--no-hooks',
    '--server-side=false',
    '--take-ownership',
    '--disable-openapi-validation',
    '--skip-schema-validation',
    '--replace',
  ]) {
    assert.ok(args.includes(f), f);
  }
  assert.ok(!args.includes('--force-conflicts'));
});

void test('upgrade: history max, reset or reuse values, force-conflicts or force-replace, cleanup on fail', () => {
  const args = upgradeArgs(
    {
      ...base,
      release: 'web',
      chartPath: '/c',
      maxHistory: 5,
      serverSide: 'false',
      forceReplace: true,
      cleanupOnFail: true,
    },
    '/v',
  );
  assert.deepEqual(args.slice(0, 5), ['upgrade', 'web', '/c', '--values', '/v']);
  for (const f of [
    '--history-max',
    '5',
    '--server-side=false',
    '--reset-values',
    '--force-replace',
    '--cleanup-on-fail',
  ]) {
    assert.ok(args.includes(f), f);
  }
  const ssa = upgradeArgs(
    {
      ...base,
      release: 'web',
      chartPath: '/c',
      maxHistory: 0,
      serverSide: 'true',
      forceConflicts: true,
      forceReplace: true,
      reuseValues: true,
    },
    '/v',
  );
  assert.ok(ssa.includes('--force-conflicts') && !ssa.includes('--force-replace'), 'helm refuses both');
  assert.ok(ssa.includes('--reuse-values'));
});

void test('rollback to a version; uninstall with keep-history, no-hooks and a cascade', () => {
  assert.deepEqual(
    rollbackArgs({ ...base, release: 'web', version: 2, maxHistory: 5, serverSide: 'auto' }).slice(0, 3),
    ['rollback', 'web', '2'],
  );
  const un = uninstallArgs({
    namespace: 'apps',
    release: 'web',
    timeoutMs: 1500,
    wait: 'watcher',
    keepHistory: true,
    disableHooks: true,
    deletionPropagation: 'foreground',
  });
  assert.deepEqual(un, [
    'uninstall',
    'web',
    '--namespace',
    'apps',
    '--timeout',
    '2s',
    '--wait=watcher',
    '--keep-history',
    '--no-hooks',
    '--cascade',
    'foreground',
  ]);
});

void test('test filters: name= to include, !name= to exclude', () => {
  const args = testArgs({
    namespace: 'apps',
    release: 'web',
    timeoutMs: 60_000,
    filters: [{ name: 'smoke' }, { name: 'slow', exclude: true }],
  });
  assert.deepEqual(args, [
    'test',
    'web',
    '--namespace',
    'apps',
    '--timeout',
    '60s',
    '--filter',
    'name=smoke',
    '--filter',
    '!name=slow',
  ]);
});
