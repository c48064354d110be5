// The helm-controller build (scripts/provision.sh helm) post-renders inside helm's own process: with no plugin
// installed, `--post-renderer driftless-post-render` still renders, so no second process is started per action.
// Guards the wrapper's binding of helm's --post-renderer flag against a helm upgrade that changes its shape.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { defaultManagerConfig } from '../config/manager-config.ts';
import { PostRenderPlugin, type PostRenderConfig } from './cli-args.ts';
import { PostRenderEnv } from './cli.ts';

const run = promisify(execFile);

void test('helm-controller post-renders in process: no plugin installed, origin and common labels still set', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'helm-post-render-'));
  try {
    const chart = path.join(dir, 'chart');
    await mkdir(path.join(chart, 'templates'), { recursive: true });
    await writeFile(path.join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: demo\nversion: 0.1.0\n');
    await writeFile(
      path.join(chart, 'templates', 'cm.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: demo\ndata:\n  a: "1"\n',
    );
    const config: PostRenderConfig = {
      strategy: 'combined',
      kustomize: [],
      labels: { team: 'web' },
      origin: { 'helm.toolkit.fluxcd.io/name': 'demo', 'helm.toolkit.fluxcd.io/namespace': 'apps' },
    };
    // An empty Helm home: helm finds no plugin there.
    const env = {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOME: dir,
      HELM_CONFIG_HOME: path.join(dir, 'config'),
      HELM_CACHE_HOME: path.join(dir, 'cache'),
      HELM_DATA_HOME: path.join(dir, 'data'),
      [PostRenderEnv]: JSON.stringify(config),
    };
    const bin = defaultManagerConfig().helmBin;
    const { stdout } = await run(bin, ['template', 'demo', chart, '--post-renderer', PostRenderPlugin], { env });
    assert.match(stdout, /helm\.toolkit\.fluxcd\.io\/name: demo/);
    assert.match(stdout, /helm\.toolkit\.fluxcd\.io\/namespace: apps/);
    assert.match(stdout, /team: web/);
    // Any other post-renderer is still helm's plugin lookup, which finds nothing here.
    await assert.rejects(
      run(bin, ['template', 'demo', chart, '--post-renderer', 'someone-else'], { env }),
      (err: Error & { stderr?: string }) => /someone-else|plugin/i.test(err.stderr ?? err.message),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
