// `driftless push/pull artifact` against a real registry and the real `flux push/pull artifact` (and
// by Driftless's own client): same media types, annotations and content as `flux push artifact`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startTestRegistry, testBinDir, type TestRegistry } from '../../test/support/oci-registry.ts';
import { RegistryClient } from '../sources/oci/client.ts';
import { FluxMediaTypes, OciAnnotations } from '../sources/oci/manifest.ts';
import { fetchImageManifest } from '../sources/oci/pull.ts';

const run = promisify(execFile);
const driftless = path.resolve('bin/driftless.js');
let registry: TestRegistry;
let tmp: string;

before(async () => {
  registry = await startTestRegistry();
  tmp = await mkdtemp(path.join(tmpdir(), 'driftless-push-int-'));
});
after(async () => {
  await registry?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

void test('an artifact pushed by driftless push artifact is pulled by flux pull artifact', async () => {
  const src = path.join(tmp, 'src');
  await mkdir(path.join(src, 'apps'), { recursive: true });
  await writeFile(path.join(src, 'apps', 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\n');
  await writeFile(path.join(src, 'skip.md'), 'left out by --ignore-paths\n');
  const url = `oci://${registry.host}/fleet/pushed:v1`;
  const { stdout, stderr } = await run('node', [
    driftless,
    'push',
    'artifact',
    url,
    `--path=${src}`,
    '--source=https://git.example/fleet.git',
    '--revision=main@sha1:0123456789abcdef',
    '--annotations=team=platform',
    '--ignore-paths=*.md',
  ]);
  assert.match(`${stdout}${stderr}`, /artifact successfully pushed to .*fleet\/pushed@sha256:[a-f0-9]{64}/);

  const client = new RegistryClient({ registry: registry.host, repository: 'fleet/pushed' });
  const { manifest } = await fetchImageManifest(client, (await client.resolve('v1')).digest);
  assert.equal(manifest.config.mediaType, FluxMediaTypes.config);
  assert.equal(manifest.layers[0]?.mediaType, FluxMediaTypes.content);
  assert.equal(manifest.annotations?.[OciAnnotations.source], 'https://git.example/fleet.git');
  assert.equal(manifest.annotations?.[OciAnnotations.revision], 'main@sha1:0123456789abcdef');
  assert.equal(manifest.annotations?.['team'], 'platform');

  const out = path.join(tmp, 'pulled');
  await mkdir(out);
  const pulled = await run(path.join(testBinDir(), 'flux'), ['pull', 'artifact', url, `--output=${out}`]);
  assert.match(`${pulled.stdout}${pulled.stderr}`, /main@sha1:0123456789abcdef/);
  assert.equal(await readFile(path.join(out, 'apps', 'cm.yaml'), 'utf8'), 'apiVersion: v1\nkind: ConfigMap\n');
  await assert.rejects(readFile(path.join(out, 'skip.md')), /ENOENT/);
});

void test('bad input: a URL with an invalid tag and a missing path are refused with the reason', async () => {
  await assert.rejects(
    run('node', [driftless, 'push', 'artifact', `oci://${registry.host}/x:bad!tag`, `--path=${tmp}`]),
    /not a valid OCI tag/,
  );
  await assert.rejects(
    run('node', [driftless, 'push', 'artifact', `oci://${registry.host}/x:v1`, `--path=${path.join(tmp, 'nope')}`]),
    /no such file or directory/,
  );
});

void test('an artifact pushed by flux push artifact is pulled by driftless pull artifact', async () => {
  const src = path.join(tmp, 'flux-src');
  await mkdir(path.join(src, 'deploy'), { recursive: true });
  await writeFile(path.join(src, 'deploy', 'app.yaml'), 'kind: Deployment\n');
  const url = `oci://${registry.host}/fleet/by-flux:v2`;
  await run(path.join(testBinDir(), 'flux'), [
    'push',
    'artifact',
    url,
    `--path=${src}`,
    '--source=https://git.example/by-flux.git',
    '--revision=main@sha1:fedcba',
    '--insecure-registry',
  ]);
  const out = path.join(tmp, 'by-flux-out');
  await mkdir(out);
  const { stdout, stderr } = await run('node', [driftless, 'pull', 'artifact', url, `--output=${out}`]);
  const printed = `${stdout}${stderr}`;
  assert.match(printed, /source https:\/\/git\.example\/by-flux\.git/);
  assert.match(printed, /revision main@sha1:fedcba/);
  assert.match(printed, /artifact content extracted to /);
  assert.equal(await readFile(path.join(out, 'deploy', 'app.yaml'), 'utf8'), 'kind: Deployment\n');
  await assert.rejects(
    run('node', [driftless, 'pull', 'artifact', `oci://${registry.host}/fleet/by-flux:nope`, `--output=${out}`]),
    /MANIFEST_UNKNOWN/,
  );
});
