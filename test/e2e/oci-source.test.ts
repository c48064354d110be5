// OCIRepository end to end: a real registry (distribution v3), the engine, a Kustomization on the
// artifact; tags, semver, credentials, layer selection, and the bad inputs that must keep the last artifact.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';
import { ApiVersions } from '../../src/api/constants.ts';
import type { Artifact } from '../../src/api/meta.ts';
import type { KubeObject } from '../../src/kube/types.ts';
import { RegistryClient } from '../../src/sources/oci/client.ts';
import { archiveForPush, pushArtifact } from '../../src/sources/oci/push.ts';
import { ksRef, kustomization, ref, startTestEnv, type TestEnv } from '../support/env.ts';
import { startTestRegistry, testBinDir, type TestRegistry } from '../support/oci-registry.ts';

const run = promisify(execFile);
const ns = 'oci';
const USER = 'ci-bot';
const PASSWORD = 'oci-registry-password-789';
let env: TestEnv;
let registry: TestRegistry;
let locked: TestRegistry;

before(async () => {
  env = await startTestEnv();
  [registry, locked] = await Promise.all([
    startTestRegistry(),
    startTestRegistry({ auth: { username: USER, password: PASSWORD } }),
  ]);
  await env.namespace(ns);
});
after(async () => {
  await Promise.all([registry?.stop(), locked?.stop()]);
  await env?.stop();
});

const ociRef = (name: string) => ref(ApiVersions.source, 'OCIRepository', ns, name);
const configMap = (name: string, value: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${ns}\ndata:\n  value: ${value}\n`;

function ociRepository(name: string, url: string, spec: Record<string, unknown> = {}, annotations = {}): KubeObject {
  return {
    apiVersion: ApiVersions.source,
    kind: 'OCIRepository',
    metadata: { name, namespace: ns, annotations },
    spec: { url, interval: '10m', ...spec },
  };
}

const ociKustomization = (name: string, source: string) =>
  kustomization(ns, name, source, { sourceRef: { kind: 'OCIRepository', name: source } });

async function dirWith(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(env.tmp, 'oci-src-'));
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), content);
  }
  return dir;
}

/** Pushes `files` as a Flux artifact to `<registry>/<repository>:<tag>`; returns the manifest digest and layer. */
async function push(
  repository: string,
  tag: string,
  files: Record<string, string>,
  o: { to?: TestRegistry; layer?: Buffer; meta?: { source?: string; revision?: string }; insecure?: boolean } = {},
) {
  const target = o.to ?? registry;
  const client = new RegistryClient({
    registry: target.host,
    repository,
    insecure: o.insecure ?? false,
    ...(target === locked ? { credentials: { username: USER, password: PASSWORD } } : {}),
  });
  const layer = o.layer ?? (await archiveForPush(await dirWith(files)));
  const { digest, manifest } = await pushArtifact({ client, tag, layer, meta: o.meta ?? {} });
  return { digest, layer: manifest.layers[0]! };
}

/** Asks for a reconcile now (Flux's `reconcile.fluxcd.io/requestedAt`). */
async function requestReconcile(obj: KubeObject): Promise<void> {
  const token = `${Date.now()}-${Math.random()}`;
  await env.apply({ ...obj, metadata: { ...obj.metadata, annotations: { 'reconcile.fluxcd.io/requestedAt': token } } });
}

const artifactOf = (o: { status?: Record<string, unknown> } | undefined) =>
  o?.status?.['artifact'] as Artifact | undefined;
const readyOf = (
  o: { status?: { conditions?: { type: string; status: string; reason: string; message: string }[] } } | undefined,
) => o?.status?.conditions?.find((c) => c.type === 'Ready');

async function waitForRevision(name: string, revision: string) {
  return env.waitFor(`OCIRepository ${name} at ${revision}`, async () => {
    const o = await env.get(ociRef(name));
    return artifactOf(o)?.revision === revision && readyOf(o)?.status === 'True' ? o : undefined;
  });
}

async function configMapValue(name: string): Promise<string | undefined> {
  const cm = await env.get<KubeObject & { data?: Record<string, string> }>({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    namespace: ns,
    name,
  });
  return cm?.data?.['value'];
}

async function events(name: string) {
  const list = await env.client.list('v1', 'Event', { namespace: ns });
  return (
    list.items as {
      reason?: string;
      type?: string;
      message?: string;
      involvedObject?: { name?: string; kind?: string };
    }[]
  ).filter((e) => e.involvedObject?.kind === 'OCIRepository' && e.involvedObject.name === name);
}

void test("an OCIRepository (no ref: the 'latest' tag) becomes Ready with Flux's revision and a Kustomization applies it", async () => {
  const meta = { source: 'https://git.example/fleet.git', revision: 'main@sha1:0123456789abcdef' };
  const { digest } = await push('fleet/apps', 'latest', { 'cm.yaml': configMap('from-oci', 'one') }, { meta });
  const url = `oci://${registry.host}/fleet/apps`;
  await env.apply(ociRepository('apps', url));
  const repo = await waitForRevision('apps', `latest@${digest}`);
  const artifact = artifactOf(repo)!;
  assert.equal(artifact.path, `ocirepository/${ns}/apps/${digest}.tar.gz`);
  assert.equal(artifact.metadata?.['org.opencontainers.image.revision'], meta.revision);
  assert.equal(artifact.metadata?.['org.opencontainers.image.source'], meta.source);
  assert.equal(readyOf(repo)?.message, `stored artifact for digest 'latest@${digest}'`);
  assert.equal(repo.status?.conditions?.find((c) => c.type === 'ArtifactInStorage')?.status, 'True');
  const stored = await env.waitFor('NewArtifact event', async () =>
    (await events('apps')).find((e) => e.reason === 'NewArtifact'),
  );
  assert.equal(
    stored.message,
    `stored artifact with revision 'latest@${digest}' from '${url}', origin source '${meta.source}', origin revision '${meta.revision}'`,
  );

  await env.apply(ociKustomization('apps', 'apps'));
  const ks = await env.waitForReady(ksRef(ns, 'apps'));
  assert.equal(ks.status?.['lastAppliedRevision'], `latest@${digest}`);
  assert.equal(ks.status?.['lastAppliedOriginRevision'], meta.revision);
  assert.equal(await configMapValue('from-oci'), 'one');

  // A new push to the same tag is a new revision; the Kustomization follows the source's artifact.
  const second = await push('fleet/apps', 'latest', { 'cm.yaml': configMap('from-oci', 'two') });
  await requestReconcile(ociRepository('apps', url));
  await waitForRevision('apps', `latest@${second.digest}`);
  await env.waitFor('ConfigMap from-oci = two', async () => (await configMapValue('from-oci')) === 'two');
});

void test('spec.ref.semver picks the highest tag in range (semverFilter narrows), and a new matching tag moves it', async () => {
  const v1 = await push('fleet/semver', 'v1.0.0', { 'cm.yaml': configMap('semver', 'v1.0.0') });
  const v11 = await push('fleet/semver', 'v1.1.0', { 'cm.yaml': configMap('semver', 'v1.1.0') });
  await push('fleet/semver', 'v2.0.0', { 'cm.yaml': configMap('semver', 'v2.0.0') });
  await push('fleet/semver', 'v1.5.0-rc.1', { 'cm.yaml': configMap('semver', 'rc') });
  assert.notEqual(v1.digest, v11.digest);
  const url = `oci://${registry.host}/fleet/semver`;
  const spec = { ref: { semver: '>=1.0.0 <2.0.0', tag: 'v2.0.0' } };
  await env.apply(ociRepository('semver', url, spec));
  await waitForRevision('semver', `v1.1.0@${v11.digest}`);
  await env.apply(ociKustomization('semver', 'semver'));
  await env.waitForReady(ksRef(ns, 'semver'));
  assert.equal(await configMapValue('semver'), 'v1.1.0');

  const v12 = await push('fleet/semver', 'v1.2.0', { 'cm.yaml': configMap('semver', 'v1.2.0') });
  await requestReconcile(ociRepository('semver', url, spec));
  await waitForRevision('semver', `v1.2.0@${v12.digest}`);
  await env.waitFor('ConfigMap semver = v1.2.0', async () => (await configMapValue('semver')) === 'v1.2.0');

  // semverFilter keeps only the release candidates.
  await env.apply(ociRepository('rc', url, { ref: { semver: '>=1.5.0-0', semverFilter: '.*-rc.*' } }));
  const rc = await env.waitFor('rc revision', async () => {
    const o = await env.get(ociRef('rc'));
    return artifactOf(o)?.revision;
  });
  assert.match(rc, /^v1\.5\.0-rc\.1@sha256:/);
});

void test('spec.ref.digest wins over tag; the revision is the bare digest', async () => {
  const { digest } = await push('fleet/pinned', 'v1', { 'cm.yaml': configMap('pinned', 'pinned') });
  await push('fleet/pinned', 'v2', { 'cm.yaml': configMap('pinned', 'other') });
  await env.apply(ociRepository('pinned', `oci://${registry.host}/fleet/pinned`, { ref: { digest, tag: 'v2' } }));
  await waitForRevision('pinned', digest);
});

void test('spec.secretRef (and spec.serviceAccountName pull secrets): a dockerconfigjson Secret authenticates; wrong credentials fail with no credential anywhere', async () => {
  const { digest } = await push('private/app', 'latest', { 'cm.yaml': configMap('private', 'yes') }, { to: locked });
  const dockerconfig = (password: string) =>
    JSON.stringify({
      auths: {
        [locked.host]: { username: USER, password, auth: Buffer.from(`${USER}:${password}`).toString('base64') },
      },
    });
  for (const [name, password] of [
    ['regcred', PASSWORD],
    ['badcred', 'not-the-password-000'],
  ] as const) {
    await env.apply({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/dockerconfigjson',
      metadata: { name, namespace: ns },
      stringData: { '.dockerconfigjson': dockerconfig(password) },
    } as KubeObject);
  }
  const url = `oci://${locked.host}/private/app`;
  await env.apply(ociRepository('private', url, { secretRef: { name: 'regcred' } }));
  await waitForRevision('private', `latest@${digest}`);

  await env.apply(ociRepository('badcreds', url, { secretRef: { name: 'badcred' } }));
  const bad = await env.waitForReady(ociRef('badcreds'), { status: 'False', reason: 'OCIArtifactPullFailed' });
  const message = readyOf(bad)!.message;
  assert.match(message, /UNAUTHORIZED/);
  assert.equal(bad.status?.conditions?.find((c) => c.type === 'FetchFailed')?.status, 'True');
  const warnings = await env.waitFor('a warning event', async () => {
    const list = await events('badcreds');
    return list.length > 0 ? list : undefined;
  });
  for (const text of [message, ...warnings.map((e) => e.message ?? '')]) {
    assert.ok(!text.includes('not-the-password-000') && !text.includes(PASSWORD), text);
    assert.ok(!text.includes(Buffer.from(`${USER}:not-the-password-000`).toString('base64')), text);
  }

  // spec.serviceAccountName: the service account's imagePullSecrets, as Flux's keychain reads them.
  await env.apply({
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: 'puller', namespace: ns },
    imagePullSecrets: [{ name: 'regcred' }],
  } as KubeObject);
  await env.apply(ociRepository('via-sa', url, { serviceAccountName: 'puller' }));
  await waitForRevision('via-sa', `latest@${digest}`);
  await env.apply(ociRepository('no-sa', url, { serviceAccountName: 'nobody' }));
  const noSa = await env.waitForReady(ociRef('no-sa'), { status: 'False', reason: 'AuthenticationFailed' });
  assert.match(readyOf(noSa)!.message, /service account 'oci\/nobody' referenced by spec.serviceAccountName not found/);

  await env.apply(ociRepository('nocreds', url, { secretRef: { name: 'missing' } }));
  const missing = await env.waitForReady(ociRef('nocreds'), { status: 'False', reason: 'AuthenticationFailed' });
  assert.match(readyOf(missing)!.message, /oci\/missing/);
});

void test('a tag that does not exist: OCIArtifactPullFailed, and the previous artifact is kept', async () => {
  const { digest } = await push('fleet/moving', 'v1', { 'cm.yaml': configMap('moving', 'v1') });
  const url = `oci://${registry.host}/fleet/moving`;
  await env.apply(ociRepository('notag', url, { ref: { tag: 'v1' } }));
  await waitForRevision('notag', `v1@${digest}`);
  await env.apply(ociRepository('notag', url, { ref: { tag: 'v404' } }));
  const repo = await env.waitForReady(ociRef('notag'), { status: 'False', reason: 'OCIArtifactPullFailed' });
  assert.match(readyOf(repo)!.message, /failed to determine artifact digest: .*fleet\/moving:v404: MANIFEST_UNKNOWN/);
  assert.equal(repo.status?.conditions?.find((c) => c.type === 'FetchFailed')?.status, 'True');
  assert.equal(artifactOf(repo)?.revision, `v1@${digest}`, 'the last artifact stays');
});

void test('bad content keeps the last artifact: a digest mismatch, a layer with ../ paths, a layer that is not gzip', async () => {
  const url = `oci://${registry.host}/fleet/guarded`;
  const good = await push('fleet/guarded', 'latest', { 'cm.yaml': configMap('guarded', 'good') });
  await env.apply(ociRepository('guarded', url));
  await waitForRevision('guarded', `latest@${good.digest}`);
  await env.apply(ociKustomization('guarded', 'guarded'));
  await env.waitForReady(ksRef(ns, 'guarded'));

  const expectKept = async (why: RegExp) => {
    let last = '';
    const repo = await env.waitFor(
      () => `guarded Ready=False OCIArtifactLayerOperationFailed matching ${why} (last: ${last})`,
      async () => {
        const o = await env.get(ociRef('guarded'));
        const ready = readyOf(o);
        last = `${ready?.status} ${ready?.reason}: ${ready?.message}`;
        return ready?.status === 'False' &&
          ready.reason === 'OCIArtifactLayerOperationFailed' &&
          why.test(ready.message)
          ? o
          : undefined;
      },
    );
    assert.equal(artifactOf(repo)?.revision, `latest@${good.digest}`, 'the last good artifact stays');
    assert.equal(repo.status?.conditions?.find((c) => c.type === 'FetchFailed')?.status, 'True');
    assert.equal(await configMapValue('guarded'), 'good');
  };

  // Digest mismatch: the registry serves bytes that are not the ones the manifest names.
  const tampered = await push('fleet/guarded', 'latest', { 'cm.yaml': configMap('guarded', 'tampered') });
  const blob = registry.blobPath(tampered.layer.digest);
  const bytes = await readFile(blob);
  bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff;
  await writeFile(blob, bytes);
  await requestReconcile(ociRepository('guarded', url));
  await expectKept(/does not match its digest/);

  // A layer escaping the directory.
  await push('fleet/guarded', 'latest', {}, { layer: await hostileTarball('../escape.yaml') });
  await requestReconcile(ociRepository('guarded', url));
  await expectKept(/failed to extract layer contents from artifact: entry "\.\.\/escape\.yaml" contains "\.\."/);

  // A layer that is no tarball at all.
  await push('fleet/guarded', 'latest', {}, { layer: Buffer.from('plain text, not gzip') });
  await requestReconcile(ociRepository('guarded', url));
  await expectKept(/failed to extract layer contents from artifact: .*is the layer a gzip-compressed tarball/);
});

void test('spec.layerSelector: mediaType picks the layer, operation copy stores it as it is', async () => {
  const { digest, layer } = await push('fleet/copy', 'latest', { 'cm.yaml': configMap('copied', 'copy') });
  await env.apply(
    ociRepository('copy', `oci://${registry.host}/fleet/copy`, {
      layerSelector: { mediaType: 'application/vnd.cncf.flux.content.v1.tar+gzip', operation: 'copy' },
    }),
  );
  const repo = await waitForRevision('copy', `latest@${digest}`);
  assert.equal(artifactOf(repo)?.digest, layer.digest, 'the stored artifact is the layer blob itself');
  assert.deepEqual(repo.status?.['observedLayerSelector'], {
    mediaType: 'application/vnd.cncf.flux.content.v1.tar+gzip',
    operation: 'copy',
  });
  await env.apply(
    ociRepository('nolayer', `oci://${registry.host}/fleet/copy`, {
      layerSelector: { mediaType: 'application/x-none' },
    }),
  );
  const none = await env.waitForReady(ociRef('nolayer'), {
    status: 'False',
    reason: 'OCIArtifactLayerOperationFailed',
  });
  assert.match(readyOf(none)!.message, /failed to find layer with media type 'application\/x-none' in artifact/);
});

void test('refused by name: provider aws, verify with notation', async () => {
  await env.apply(ociRepository('aws', `oci://${registry.host}/fleet/apps`, { provider: 'aws' }));
  const aws = await env.waitForReady(ociRef('aws'), { status: 'False', reason: 'NotSupported' });
  assert.match(readyOf(aws)!.message, /spec.provider 'aws' is not supported by Driftless yet/);
  await env.apply(
    ociRepository('signed', `oci://${registry.host}/fleet/apps`, {
      verify: { provider: 'notation', secretRef: { name: 'k' } },
    }),
  );
  const signed = await env.waitForReady(ociRef('signed'), { status: 'False', reason: 'NotSupported' });
  assert.match(readyOf(signed)!.message, /spec.verify.provider 'notation' is not supported by Driftless yet/);
});

void test('spec.suspend: a suspended OCIRepository is left alone until resumed', async () => {
  const { digest } = await push('fleet/suspended', 'latest', { 'cm.yaml': configMap('suspended', 'x') });
  const url = `oci://${registry.host}/fleet/suspended`;
  await env.apply(ociRepository('suspended', url, { suspend: true }));
  // A witness created after it is reconciled after it: once the witness is Ready, the suspended one was seen.
  await env.apply(ociRepository('witness', url));
  await waitForRevision('witness', `latest@${digest}`);
  const suspended = await env.get(ociRef('suspended'));
  assert.equal(readyOf(suspended), undefined);
  await env.apply(ociRepository('suspended', url, { suspend: false }));
  await waitForRevision('suspended', `latest@${digest}`);
});

void test('spec.insecure: a plain-HTTP registry on a non-loopback address needs insecure', async () => {
  const address = Object.values(networkInterfaces())
    .flat()
    .find((i) => i?.family === 'IPv4' && !i.internal)?.address;
  assert.ok(address, 'this test needs a non-loopback IPv4 address');
  const lan = await startTestRegistry({ bindAddress: address });
  try {
    const { digest } = await push(
      'fleet/lan',
      'latest',
      { 'cm.yaml': configMap('lan', 'x') },
      { to: lan, insecure: true },
    );
    const url = `oci://${lan.host}/fleet/lan`;
    await env.apply(ociRepository('tls-expected', url));
    const tls = await env.waitForReady(ociRef('tls-expected'), { status: 'False', reason: 'OCIArtifactPullFailed' });
    assert.match(readyOf(tls)!.message, new RegExp(`https://${lan.host.replace(/\./g, '\\.')}/v2/`));
    await env.apply(ociRepository('insecure', url, { insecure: true }));
    await waitForRevision('insecure', `latest@${digest}`);
  } finally {
    await lan.stop();
  }
});

void test('an artifact pushed by the real `flux push artifact` is pulled and applied', async () => {
  const dir = await dirWith({ 'deploy/cm.yaml': configMap('from-flux-cli', 'flux') });
  const flux = path.join(testBinDir(), 'flux');
  const url = `oci://${registry.host}/fleet/flux-pushed`;
  await run(flux, [
    'push',
    'artifact',
    `${url}:v1`,
    `--path=${dir}`,
    '--source=https://git.example/fleet.git',
    '--revision=main@sha1:fedcba9876543210',
    '--insecure-registry',
  ]);
  await env.apply(ociRepository('flux-pushed', url, { ref: { tag: 'v1' } }));
  const repo = await env.waitForReady(ociRef('flux-pushed'));
  assert.match(artifactOf(repo)!.revision, /^v1@sha256:[a-f0-9]{64}$/);
  assert.equal(artifactOf(repo)?.metadata?.['org.opencontainers.image.revision'], 'main@sha1:fedcba9876543210');
  await env.apply({
    ...ociKustomization('flux-pushed', 'flux-pushed'),
    spec: { ...(ociKustomization('flux-pushed', 'flux-pushed').spec as object), path: './deploy' },
  } as KubeObject);
  await env.waitForReady(ksRef(ns, 'flux-pushed'));
  assert.equal(await configMapValue('from-flux-cli'), 'flux');
});

/** A gzip tarball with one entry named `name`, whatever it is. */
async function hostileTarball(name: string): Promise<Buffer> {
  const pack = tar.pack();
  pack.entry({ name }, 'apiVersion: v1\nkind: ConfigMap\n');
  pack.finalize();
  const chunks: Buffer[] = [];
  await pipeline(pack, createGzip(), async (src: AsyncIterable<Buffer>) => {
    for await (const c of src) chunks.push(c);
  });
  return Buffer.concat(chunks);
}
