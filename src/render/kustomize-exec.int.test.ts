// runKustomizeBuild against stand-in scripts run by /bin/sh: timeouts, cancellation, output limits, environment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { BuildError } from './errors.ts';
import { runKustomizeBuild } from './kustomize-exec.ts';
import { makeTree } from './test-fixtures.ts';

// Stand-ins for a misbehaving kustomize (hung, flooding, printing its environment); the real binary is used elsewhere.
async function withScript(body: string, run: (bin: string, dir: string) => Promise<void>): Promise<void> {
  const fx = await makeTree({});
  const bin = path.join(fx.base, 'fake-kustomize');
  await writeFile(bin, `#!/bin/sh\n${body}\n`);
  await chmod(bin, 0o755);
  try {
    await run(bin, fx.root);
  } finally {
    await fx.cleanup();
  }
}

void test('a hung kustomize is killed at the timeout', async () => {
  await withScript('exec sleep 30', async (bin, dir) => {
    await assert.rejects(
      runKustomizeBuild({ bin, dir, roots: [dir], timeoutMs: 200 }),
      /kustomize build timed out after 200ms/,
    );
  });
});

void test('aborting the signal cancels a running build', async () => {
  // The stand-in marks that it runs ($2 is the directory to build), so the abort hits a running process.
  await withScript('touch "$2/.started"; exec sleep 30', async (bin, dir) => {
    const controller = new AbortController();
    const build = runKustomizeBuild({ bin, dir, roots: [dir], signal: controller.signal });
    const started = path.join(dir, '.started');
    for (const deadline = Date.now() + 10_000; !existsSync(started); await delay(20)) {
      assert.ok(Date.now() < deadline, 'the stand-in kustomize did not start within 10 s');
    }
    controller.abort(new Error('spec.timeout'));
    await assert.rejects(build, (err: unknown) => err instanceof BuildError && /cancelled/.test(err.message));
  });
});

void test('output above maxOutputBytes is refused', async () => {
  await withScript('exec head -c 100000 /dev/zero', async (bin, dir) => {
    await assert.rejects(runKustomizeBuild({ bin, dir, roots: [dir], maxOutputBytes: 1000 }), /larger than 1000 bytes/);
  });
});

void test('kustomize runs with a scrubbed environment, argv only, and plugins off', async () => {
  await withScript('printf "%s\\n" "$@"; env | sort', async (bin, dir) => {
    const out = (await runKustomizeBuild({ bin, dir, roots: [dir] })).toString('utf8');
    const [build, target, flag, value, ...env] = out.trim().split('\n');
    assert.deepEqual([build, target, flag, value], ['build', dir, '--load-restrictor', 'LoadRestrictionsNone']);
    const names = env
      .map((line) => line.slice(0, line.indexOf('=')))
      .filter((n) => n !== 'PWD' && n !== 'SHLVL' && n !== '_');
    assert.deepEqual(names, [
      'GIT_CONFIG_NOSYSTEM',
      'GIT_TERMINAL_PROMPT',
      'HOME',
      'KUSTOMIZE_PLUGIN_HOME',
      'PATH',
      'XDG_CACHE_HOME',
      'XDG_CONFIG_HOME',
    ]);
    assert.ok(!out.includes('--enable'), 'no helm, exec or alpha plugin flags');
    const home = env.find((line) => line.startsWith('HOME='))?.slice(5) ?? '';
    assert.ok(home.startsWith(path.join(os.tmpdir(), 'driftless-kustomize-')));
    assert.equal(existsSync(home), false, 'the temp HOME is removed afterwards');
  });
});

void test('failures carry trimmed stderr with root-relative paths; a missing binary is named', async () => {
  await withScript(`echo "Error: accumulating resources from '$2/app/x.yaml': boom" >&2; exit 1`, async (bin, dir) => {
    await assert.rejects(
      runKustomizeBuild({ bin, dir, roots: [dir] }),
      (err: unknown) =>
        err instanceof BuildError &&
        err.message === "kustomize build failed: accumulating resources from 'app/x.yaml': boom",
    );
  });
  await assert.rejects(
    runKustomizeBuild({ bin: '/nonexistent/kustomize', dir: '/', roots: [] }),
    /'\/nonexistent\/kustomize' cannot be run \(ENOENT\)/,
  );
});
