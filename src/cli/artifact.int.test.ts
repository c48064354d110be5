// `driftless tag artifact`, `list artifacts` and `diff artifact` against a real registry and the real
// `flux` CLI: what one tags the other lists, both list the same rows for the same filters, and a directory
// pushed by either compares equal (or not) the same way.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startTestRegistry, testBinDir, type TestRegistry } from '../../test/support/oci-registry.ts';
import { RegistryClient } from '../sources/oci/client.ts';

const exec = promisify(execFile);
const driftlessBin = path.resolve('bin/driftless.js');
let registry: TestRegistry;
let tmp: string;

/** Runs a command; resolves with its exit code and output instead of rejecting on a non-zero exit. */
async function run(file: string, args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await exec(file, args, { env: { ...process.env, NO_COLOR: '1' } });
    return { code: 0, out: `${stdout}${stderr}` };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}
const driftless = (...args: string[]) => run('node', [driftlessBin, ...args]);
const flux = (...args: string[]) => run(path.join(testBinDir(), 'flux'), args);

/** The data rows of a `list artifacts` table, cells split on whitespace. */
const rows = (out: string): string[][] =>
  out
    .split('\n')
    .filter((l) => l.includes(`${registry.host}/`) && !l.startsWith('►') && !l.startsWith('✔'))
    .map((l) => l.trim().split(/\s+/));

async function dirWith(name: string, files: Record<string, string>): Promise<string> {
  const dir = path.join(tmp, name);
  for (const [file, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), content);
  }
  return dir;
}

before(async () => {
  registry = await startTestRegistry();
  tmp = await mkdtemp(path.join(tmpdir(), 'driftless-artifact-int-'));
});
after(async () => {
  await registry?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

void test('tag artifact: tags made by driftless are listed by flux and the other way round, with the same rows', async () => {
  const repo = `oci://${registry.host}/fleet/tagged`;
  const src = await dirWith('tag-src', { 'cm.yaml': 'kind: ConfigMap\n' });
  const pushed = await flux(
    'push',
    'artifact',
    `${repo}:v1.0.0`,
    `--path=${src}`,
    '--source=https://git.example/fleet.git',
    '--revision=main@sha1:0123456789abcdef',
  );
  assert.equal(pushed.code, 0, pushed.out);
  const tagged = await driftless('tag', 'artifact', `${repo}:v1.0.0`, '--tag', 'latest,stable');
  assert.equal(tagged.code, 0, tagged.out);
  assert.match(tagged.out, new RegExp(`artifact tagged as ${registry.host}/fleet/tagged:stable`));
  const byFluxTag = await flux('tag', 'artifact', `${repo}:v1.0.0`, '--tag', 'v1');
  assert.equal(byFluxTag.code, 0, byFluxTag.out);

  const fluxList = await flux('list', 'artifacts', repo);
  const ours = await driftless('list', 'artifacts', repo);
  assert.equal(ours.code, 0, ours.out);
  assert.deepEqual(rows(ours.out), rows(fluxList.out));
  const listed = rows(ours.out);
  assert.deepEqual(
    listed.map((r) => r[0]),
    ['latest', 'v1', 'v1.0.0', 'stable']
      .sort()
      .reverse()
      .map((t) => `${registry.host}/fleet/tagged:${t}`),
  );
  assert.equal(new Set(listed.map((r) => r[1])).size, 1, 'every tag names the same manifest');
  assert.deepEqual(listed[0]?.slice(2), ['https://git.example/fleet.git', 'main@sha1:0123456789abcdef']);
  assert.match(ours.out.split('\n')[0] ?? '', /^ARTIFACT\s+DIGEST\s+SOURCE\s+REVISION/);
});

void test('list artifacts: --filter-semver and --filter-regex keep what flux keeps; cosign tags are left out', async () => {
  const repo = `oci://${registry.host}/fleet/versions`;
  const src = await dirWith('versions-src', { 'a.yaml': 'kind: A\n' });
  for (const tag of ['v1.0.0', '1.2.0', 'v2.0.0', '1.3', 'v1.5.0-rc.1', 'latest']) {
    const r = await driftless('push', 'artifact', `${repo}:${tag}`, `--path=${src}`);
    assert.equal(r.code, 0, r.out);
  }
  // A cosign signature tag beside them, made from a manifest already there.
  const client = new RegistryClient({ registry: registry.host, repository: 'fleet/versions' });
  const latest = await client.manifest('latest');
  await client.pushManifest(`${latest.digest.replace(':', '-')}.sig`, latest.body, latest.mediaType!);

  for (const filter of [
    [],
    ['--filter-semver', '>=1.0.0 <2.0.0'],
    ['--filter-regex', '^v'],
    ['--filter-semver', '>=1.0.0', '--filter-regex', 'rc'],
  ]) {
    const ours = await driftless('list', 'artifacts', repo, ...filter);
    const theirs = await flux('list', 'artifacts', repo, ...filter);
    assert.equal(ours.code, 0, ours.out);
    assert.deepEqual(rows(ours.out), rows(theirs.out), filter.join(' '));
  }
  const all = rows((await driftless('list', 'artifacts', repo)).out).map((r) => r[0]);
  assert.ok(!all.some((t) => t?.endsWith('.sig')), all.join(' '));
  assert.equal(all.length, 6);
});

void test("diff artifact: a directory equals the artifact flux or driftless pushed from it; a change is exit 1 with flux's message", async () => {
  const src = await dirWith('diff-src', { 'apps/cm.yaml': 'kind: ConfigMap\n', 'apps/ns.yaml': 'kind: Namespace\n' });
  const byFlux = `oci://${registry.host}/fleet/diff:by-flux`;
  const byDriftless = `oci://${registry.host}/fleet/diff:by-driftless`;
  assert.equal((await flux('push', 'artifact', byFlux, `--path=${src}`, '--source=s', '--revision=r')).code, 0);
  assert.equal((await driftless('push', 'artifact', byDriftless, `--path=${src}`)).code, 0);
  for (const url of [byFlux, byDriftless]) {
    const same = await driftless('diff', 'artifact', url, `--path=${src}`);
    assert.equal(same.code, 0, same.out);
    assert.match(same.out, /no changes detected/);
  }
  assert.equal((await flux('diff', 'artifact', byFlux, `--path=${src}`)).code, 0);

  await writeFile(path.join(src, 'apps', 'cm.yaml'), 'kind: ConfigMap\ndata: {}\n');
  await writeFile(path.join(src, 'extra.yaml'), 'kind: Extra\n');
  for (const url of [byFlux, byDriftless]) {
    const changed = await driftless('diff', 'artifact', url, `--path=${src}`);
    assert.equal(changed.code, 1, changed.out);
    assert.match(
      changed.out,
      /the remote artifact contents differs from the local one: changed: apps\/cm\.yaml; only local: extra\.yaml/,
    );
  }
  const theirs = await flux('diff', 'artifact', byFlux, `--path=${src}`);
  assert.equal(theirs.code, 1, theirs.out);
  assert.match(theirs.out, /the remote artifact contents differs from the local one/);

  const missing = await driftless('diff', 'artifact', `oci://${registry.host}/fleet/diff:absent`, `--path=${src}`);
  assert.equal(missing.code, 2, missing.out);
});
