// The helm-controller build's serve mode (scripts/helm-controller/serve.go) runs each command line as a fresh
// helm would: no flag, environment variable or failure of one request reaches the next. Guards the resets of
// helm's and cobra's package state against a helm upgrade.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultManagerConfig } from '../config/manager-config.ts';
import { PostRenderPlugin, type PostRenderConfig } from './cli-args.ts';
import { PostRenderEnv } from './cli.ts';
import { HelmWorkerPool } from './worker-pool.ts';

void test('helm-controller serve mode: one process, each command as a fresh helm', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'helm-serve-'));
  const pool = new HelmWorkerPool({
    bin: defaultManagerConfig().helmBin,
    setup: () =>
      Promise.resolve({
        env: {
          PATH: process.env['PATH'] ?? '/usr/bin:/bin',
          HOME: dir,
          HELM_CONFIG_HOME: path.join(dir, 'config'),
          HELM_CACHE_HOME: path.join(dir, 'cache'),
          HELM_DATA_HOME: path.join(dir, 'data'),
        },
        dir,
      }),
  });
  try {
    const chart = path.join(dir, 'chart');
    await mkdir(path.join(chart, 'templates'), { recursive: true });
    await writeFile(path.join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: demo\nversion: 0.1.0\n');
    await writeFile(
      path.join(chart, 'templates', 'cm.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: demo\ndata:\n  ns: {{ .Release.Namespace }}\n',
    );
    const config: PostRenderConfig = { strategy: 'combined', kustomize: [], labels: { team: 'web' }, origin: {} };
    const first = await pool.run(
      ['template', 'demo', chart, '--namespace', 'apps', '--post-renderer', PostRenderPlugin],
      { [PostRenderEnv]: JSON.stringify(config) },
    );
    assert.equal(first?.code, 0, first?.stderr);
    assert.match(first.stdout, /ns: apps/);
    assert.match(first.stdout, /team: web/);

    // helm takes its flags' defaults from package state the last command set: reset, so no --namespace
    // means helm's default again.
    const second = await pool.run(['template', 'demo', chart], {});
    assert.equal(second?.code, 0, second?.stderr);
    assert.match(second.stdout, /ns: default/);
    assert.doesNotMatch(second.stdout, /team: web/);

    // The first request's post-render configuration was its own: without it the post-renderer has none.
    const third = await pool.run(['template', 'demo', chart, '--post-renderer', PostRenderPlugin], {});
    assert.notEqual(third?.code, 0);
    assert.match(third?.stderr ?? '', /invalid post-render configuration/);

    // A failure is the command's answer; the worker takes the next one.
    const missing = await pool.run(['template', 'demo', path.join(dir, 'nowhere')], {});
    assert.notEqual(missing?.code, 0);
    assert.match(missing?.stderr ?? '', /^Error: .*nowhere/m);
    const after = await pool.run(['template', 'demo', chart, '--namespace', 'web'], {});
    assert.equal(after?.code, 0, after?.stderr);
    assert.match(after.stdout, /ns: web/);
  } finally {
    pool.close();
    await rm(dir, { recursive: true, force: true });
  }
});
