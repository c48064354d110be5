import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HelmCli, serverValidatesFields } from './cli.ts';

void test('a remote kubeconfig reaches helm as a private 0600 file that is gone after the run', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'helm-cli-test-'));
  try {
    // A stand-in for the helm binary that records what it was given (mode, path, content of --kubeconfig).
    const bin = path.join(dir, 'helm');
    await writeFile(
      bin,
      [
        '#!/bin/sh',
        'while [ $# -gt 0 ]; do [ "$1" = --kubeconfig ] && kc="$2"; shift; done',
        `stat -c %a "$kc" > '${dir}/mode' 2>/dev/null; printf %s "$kc" > '${dir}/path'; cp "$kc" '${dir}/copy' 2>/dev/null`,
        'exit 0',
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    const cli = new HelmCli({ bin, kubeconfig: '/engine/kubeconfig' });
    await cli.uninstall({
      namespace: 'apps',
      release: 'web',
      timeoutMs: 1000,
      wait: 'hookOnly',
      remoteKubeConfig: 'remote-kc',
    });
    const used = await readFile(path.join(dir, 'path'), 'utf8');
    assert.notEqual(used, '/engine/kubeconfig');
    assert.equal((await readFile(path.join(dir, 'mode'), 'utf8')).trim(), '600');
    assert.equal(await readFile(path.join(dir, 'copy'), 'utf8'), 'remote-kc');
    await assert.rejects(stat(used), { code: 'ENOENT' });
    // Without one, the engine's kubeconfig.
    await cli.uninstall({ namespace: 'apps', release: 'web', timeoutMs: 1000, wait: 'hookOnly' });
    assert.equal(await readFile(path.join(dir, 'path'), 'utf8'), '/engine/kubeconfig');
    await cli.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** A stand-in helm that appends each command line to `<dir>/calls`, prints `out`, and exits 0. */
async function recordingHelm(dir: string, out = ''): Promise<string> {
  const bin = path.join(dir, 'helm');
  await writeFile(bin, `#!/bin/sh\necho "$*" >> '${dir}/calls'\nprintf %s '${out}'\n`, { mode: 0o755 });
  return bin;
}
const calls = async (dir: string): Promise<string[]> =>
  (await readFile(path.join(dir, 'calls'), 'utf8').catch(() => '')).split('\n').filter(Boolean);

void test('servers from Kubernetes 1.27 validate fields themselves', () => {
  assert.equal(serverValidatesFields({ major: '1', minor: '26' }), false);
  assert.equal(serverValidatesFields({ major: '1', minor: '27' }), true);
  assert.equal(serverValidatesFields({ major: '1', minor: '34+' }), true);
  assert.equal(serverValidatesFields({ major: '2', minor: '0' }), true);
  assert.equal(serverValidatesFields({ major: '', minor: '' }), false);
});

void test("helm's client-side OpenAPI check is skipped only on the engine's cluster when it validates fields", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'helm-cli-test-'));
  try {
    const bin = await recordingHelm(dir);
    const install = {
      namespace: 'apps',
      release: 'web',
      chartPath: '/chart',
      values: {},
      timeoutMs: 1000,
      wait: 'watcher' as const,
      waitForJobs: true,
    };
    let asked = 0;
    const modern = new HelmCli({ bin, serverVersion: () => (asked++, Promise.resolve({ major: '1', minor: '34' })) });
    await modern.install(install);
    await modern.upgrade({ ...install, maxHistory: 5 });
    await modern.install({ ...install, remoteKubeConfig: 'remote-kc' });
    assert.equal(asked, 1, 'the version is asked once');
    let lines = await calls(dir);
    assert.equal(lines.length, 3);
    assert.match(lines[0]!, /^install .* --disable-openapi-validation/);
    assert.match(lines[1]!, /^upgrade .* --disable-openapi-validation/);
    assert.doesNotMatch(lines[2]!, /--disable-openapi-validation/, 'a remote cluster is not asked: helm checks');

    await rm(path.join(dir, 'calls'));
    const old = new HelmCli({ bin, serverVersion: () => Promise.resolve({ major: '1', minor: '26' }) });
    await old.install(install);
    let failing = 0;
    const unreachable = new HelmCli({ bin, serverVersion: () => (failing++, Promise.reject(new Error('down'))) });
    await unreachable.install(install);
    await unreachable.install(install);
    await new HelmCli({ bin }).install(install);
    lines = await calls(dir);
    assert.equal(lines.length, 4);
    for (const line of lines) assert.doesNotMatch(line, /--disable-openapi-validation/);
    assert.equal(failing, 2, 'an unanswered version is asked again');
    // The user's own choice stands everywhere.
    await old.install({ ...install, disableOpenApiValidation: true });
    assert.match((await calls(dir))[4]!, /--disable-openapi-validation/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

void test('helm show crds runs once per chart digest; without a digest every time', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'helm-cli-test-'));
  try {
    const cli = new HelmCli({ bin: await recordingHelm(dir, 'kind: CustomResourceDefinition') });
    assert.equal(await cli.showCrds('/a', { digest: 'sha256:1' }), 'kind: CustomResourceDefinition');
    assert.equal(await cli.showCrds('/b', { digest: 'sha256:1' }), 'kind: CustomResourceDefinition');
    const together = await Promise.all([
      cli.showCrds('/c', { digest: 'sha256:2' }),
      cli.showCrds('/c2', { digest: 'sha256:2' }),
    ]);
    assert.deepEqual(
      together,
      ['kind: CustomResourceDefinition', 'kind: CustomResourceDefinition'],
      'asked at once, shown once',
    );
    await cli.showCrds('/d');
    await cli.showCrds('/d');
    assert.deepEqual(await calls(dir), ['show crds /a', 'show crds /c', 'show crds /d', 'show crds /d']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
