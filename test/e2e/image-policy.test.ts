// ImageRepository and ImagePolicy end to end: a real registry (distribution v3) with tags pushed by the
// shared OCI client, the engine, and the bad inputs (registry down, wrong credentials, invalid range,
// nothing matching, refused fields; cross-namespace access is in image-registry-access.test.ts).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { networkInterfaces } from 'node:os';
import { Groups } from '../../src/api/constants.ts';
import type { KubeObject } from '../../src/kube/types.ts';
import { RegistryClient } from '../../src/sources/oci/client.ts';
import { pushArtifact } from '../../src/sources/oci/push.ts';
import { ref, startTestEnv, type TestEnv } from '../support/env.ts';
import { startTestRegistry, type TestRegistry } from '../support/oci-registry.ts';

const ns = 'images';
const apiVersion = `${Groups.image}/v1`;
const USER = 'img-bot';
const PASSWORD = 'image-registry-password-4711';
const WRONG = 'not-the-image-password-000';
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

type Cond = { type: string; status: string; reason: string; message: string };
type Obj = KubeObject & { status?: Record<string, unknown> & { conditions?: Cond[] } };
const repoRef = (name: string) => ref(apiVersion, 'ImageRepository', ns, name);
const policyRef = (name: string) => ref(apiVersion, 'ImagePolicy', ns, name);
const readyOf = (o: Obj | undefined) => o?.status?.conditions?.find((c) => c.type === 'Ready');

const imageRepository = (
  name: string,
  image: string,
  spec: Record<string, unknown> = {},
  annotations = {},
): KubeObject => ({
  apiVersion,
  kind: 'ImageRepository',
  metadata: { name, namespace: ns, annotations },
  spec: { image, interval: '10m', ...spec },
});
const imagePolicy = (name: string, repo: string, spec: Record<string, unknown>): KubeObject => ({
  apiVersion,
  kind: 'ImagePolicy',
  metadata: { name, namespace: ns },
  spec: { imageRepositoryRef: { name: repo }, ...spec },
});

/** Pushes a tiny artifact under each tag of `tags`. */
async function pushTags(
  repository: string,
  tags: string[],
  to: TestRegistry = registry,
  insecure = false,
): Promise<void> {
  const client = new RegistryClient({
    registry: to.host,
    repository,
    insecure,
    ...(to === locked ? { credentials: { username: USER, password: PASSWORD } } : {}),
  });
  for (const tag of tags) await pushArtifact({ client, tag, layer: Buffer.from(`layer of ${tag}`), meta: {} });
}

/** A kubernetes.io/dockerconfigjson Secret with `user:password` for `host`. */
async function dockerConfigSecret(name: string, host: string, password: string): Promise<void> {
  const auth = Buffer.from(`${USER}:${password}`).toString('base64');
  await env.apply({
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/dockerconfigjson',
    metadata: { name, namespace: ns },
    stringData: { '.dockerconfigjson': JSON.stringify({ auths: { [host]: { auth } } }) },
  } as KubeObject);
}

async function requestReconcile(obj: KubeObject): Promise<void> {
  const token = `${Date.now()}-${Math.random()}`;
  await env.apply({ ...obj, metadata: { ...obj.metadata, annotations: { 'reconcile.fluxcd.io/requestedAt': token } } });
}

async function events(kind: string, name: string) {
  const list = await env.client.list('v1', 'Event', { namespace: ns });
  return (
    list.items as {
      reason?: string;
      type?: string;
      message?: string;
      involvedObject?: { name?: string; kind?: string };
    }[]
  ).filter((e) => e.involvedObject?.kind === kind && e.involvedObject.name === name);
}

const scanOf = (o: Obj | undefined) =>
  o?.status?.['lastScanResult'] as
    { tagCount: number; revision?: string; scanTime?: string; latestTags?: string[] } | undefined;
const latestOf = (o: Obj | undefined) =>
  o?.status?.['latestRef'] as { name: string; tag: string; digest?: string } | undefined;

void test('an ImageRepository scans the tags (the default exclusionList drops .sig); ImagePolicies pick by semver and numerical with filterTags; a new tag moves latestRef', async () => {
  await pushTags('apps/web', [
    '1.0.0',
    '1.1.0',
    '2.0.0',
    '1.2.0-rc.1',
    'sha256-abc.sig',
    'build-9',
    'build-10',
    'build-x',
  ]);
  const image = `${registry.host}/apps/web`;
  await env.apply(imageRepository('web', image));
  const repo = (await env.waitForReady(repoRef('web'), { status: 'True' })) as Obj;
  const scan = scanOf(repo)!;
  assert.equal(scan.tagCount, 7);
  assert.match(scan.revision ?? '', /^sha256:[0-9a-f]{64}$/);
  assert.equal(readyOf(repo)!.reason, 'Succeeded');
  assert.equal(readyOf(repo)!.message, `successful scan: found 7 tags with checksum ${scan.revision}`);
  assert.deepEqual(scan.latestTags, ['build-x', 'build-9', 'build-10', '2.0.0', '1.2.0-rc.1', '1.1.0', '1.0.0']);
  assert.equal(repo.status?.['canonicalImageName'], image);
  assert.deepEqual(repo.status?.['observedExclusionList'], ['^.*\\.sig$']);
  await env.waitFor('scan event', async () =>
    (await events('ImageRepository', 'web')).find(
      (e) => e.reason === 'Succeeded' && e.message === readyOf(repo)!.message,
    ),
  );

  await env.apply(imagePolicy('web-semver', 'web', { policy: { semver: { range: '>=1.0.0 <2.0.0' } } }));
  await env.apply(
    imagePolicy('web-builds', 'web', {
      policy: { numerical: { order: 'asc' } },
      filterTags: { pattern: '^build-(?P<n>[0-9]+)$', extract: '$n' },
    }),
  );
  const semver = (await env.waitForReady(policyRef('web-semver'), { status: 'True' })) as Obj;
  assert.deepEqual(latestOf(semver), { name: image, tag: '1.1.0' });
  assert.equal(readyOf(semver)!.message, `Latest image tag for ${image} resolved to 1.1.0`);
  const builds = (await env.waitForReady(policyRef('web-builds'), { status: 'True' })) as Obj;
  assert.deepEqual(latestOf(builds), { name: image, tag: 'build-10' });

  // A new tag, a reconcile request on the ImageRepository: the rescan requeues its ImagePolicies.
  await pushTags('apps/web', ['1.3.0']);
  await requestReconcile(imageRepository('web', image));
  const moved = await env.waitFor('latestRef 1.3.0', async () => {
    const o = (await env.get(policyRef('web-semver'))) as Obj | undefined;
    return latestOf(o)?.tag === '1.3.0' && readyOf(o)?.status === 'True' ? o : undefined;
  });
  assert.deepEqual(moved.status?.['observedPreviousRef'], { name: image, tag: '1.1.0' });
  const message = `Latest image tag for ${image} resolved to 1.3.0 (previously ${image}:1.1.0)`;
  assert.equal(readyOf(moved)!.message, message);
  await env.waitFor('latest-changed event', async () =>
    (await events('ImagePolicy', 'web-semver')).find((e) => e.type === 'Normal' && e.message === message),
  );
  const rescanned = (await env.get(repoRef('web'))) as Obj;
  assert.equal(scanOf(rescanned)!.tagCount, 8);
});

void test('bad policies: a range that parses as nothing stalls (InvalidPolicy); no matching tag is Failure; a missing repository waits', async () => {
  await pushTags('apps/api', ['1.0.0', '1.1.0']);
  await env.apply(imageRepository('api', `${registry.host}/apps/api`));
  await env.waitForReady(repoRef('api'), { status: 'True' });

  await env.apply(imagePolicy('api-bad-range', 'api', { policy: { semver: { range: 'not a range' } } }));
  const bad = (await env.waitForReady(policyRef('api-bad-range'), { status: 'False', reason: 'InvalidPolicy' })) as Obj;
  assert.match(readyOf(bad)!.message, /invalid policy: improper constraint: not a range/);
  assert.equal(bad.status?.conditions?.find((c) => c.type === 'Stalled')?.status, 'True');

  await env.apply(imagePolicy('api-none', 'api', { policy: { semver: { range: '>=5.0.0' } } }));
  const none = (await env.waitForReady(policyRef('api-none'), { status: 'False', reason: 'Failure' })) as Obj;
  assert.match(readyOf(none)!.message, /unable to determine latest version/);

  await env.apply(
    imagePolicy('api-bad-regex', 'api', { policy: { alphabetical: {} }, filterTags: { pattern: '(?=x)' } }),
  );
  await env.waitForReady(policyRef('api-bad-regex'), {
    status: 'False',
    reason: 'InvalidPolicy',
    messageIncludes: 'failed to filter tags',
  });

  await env.apply(imagePolicy('api-missing', 'nope', { policy: { alphabetical: {} } }));
  await env.waitForReady(policyRef('api-missing'), {
    status: 'False',
    reason: 'DependencyNotReady',
    messageIncludes: 'referenced ImageRepository does not exist',
  });
});

void test('spec.secretRef authenticates; wrong credentials and a registry that is down fail with ReadOperationFailed and no credential anywhere', async () => {
  await pushTags('private/app', ['0.1.0', '0.2.0'], locked);
  await dockerConfigSecret('regcred', locked.host, PASSWORD);
  await dockerConfigSecret('badcred', locked.host, WRONG);
  const image = `${locked.host}/private/app`;
  await env.apply(imageRepository('private', image, { secretRef: { name: 'regcred' } }));
  const ok = (await env.waitForReady(repoRef('private'), { status: 'True' })) as Obj;
  assert.equal(scanOf(ok)!.tagCount, 2);

  await env.apply(imageRepository('badcreds', image, { secretRef: { name: 'badcred' } }));
  const bad = (await env.waitForReady(repoRef('badcreds'), { status: 'False', reason: 'ReadOperationFailed' })) as Obj;
  assert.match(readyOf(bad)!.message, /^scan failed: .*UNAUTHORIZED/);
  const warnings = await env.waitFor('a warning event', async () => {
    const list = (await events('ImageRepository', 'badcreds')).filter((e) => e.type === 'Warning');
    return list.length > 0 ? list : undefined;
  });
  for (const text of [JSON.stringify(bad.status), ...warnings.map((e) => e.message ?? '')]) {
    for (const secret of [WRONG, PASSWORD, Buffer.from(`${USER}:${WRONG}`).toString('base64')]) {
      assert.ok(!text.includes(secret), text);
    }
  }

  await env.apply(imageRepository('nocreds', image, { secretRef: { name: 'missing' } }));
  await env.waitForReady(repoRef('nocreds'), {
    status: 'False',
    reason: 'AuthenticationFailed',
    messageIncludes: 'images/missing',
  });

  // A registry that is down: nothing listens on the port of a stopped registry.
  const gone = await startTestRegistry();
  await gone.stop();
  await env.apply(imageRepository('down', `${gone.host}/apps/web`, { timeout: '5s' }));
  const down = (await env.waitForReady(repoRef('down'), { status: 'False', reason: 'ReadOperationFailed' })) as Obj;
  assert.match(readyOf(down)!.message, /^scan failed: GET http:\/\/.*ECONNREFUSED/);
});

void test('refused fields: provider aws is NotSupported by name; spec.suspend skips the scan', async () => {
  await env.apply(imageRepository('cloud', `${registry.host}/apps/web`, { provider: 'aws' }));
  await env.waitForReady(repoRef('cloud'), {
    status: 'False',
    reason: 'NotSupported',
    messageIncludes: 'spec.provider',
  });
  // A suspended ImageRepository is never scanned, while one applied after it is.
  await env.apply(imageRepository('paused', `${registry.host}/apps/web`, { suspend: true }));
  await env.apply(imageRepository('running', `${registry.host}/apps/web`));
  await env.waitForReady(repoRef('running'), { status: 'True' });
  const paused = (await env.get(repoRef('paused'))) as Obj;
  assert.equal(scanOf(paused), undefined);
  assert.equal(readyOf(paused), undefined);
});

void test('digestReflectionPolicy: Never leaves latestRef.digest out, IfNotPresent keeps the first digest of a tag, Always (with interval) follows a re-pushed tag', async () => {
  await pushTags('apps/dig', ['1.0.0']);
  const client = new RegistryClient({ registry: registry.host, repository: 'apps/dig' });
  const first = (await client.resolve('1.0.0')).digest;
  const image = `${registry.host}/apps/dig`;
  await env.apply(imageRepository('dig', image));
  await env.waitForReady(repoRef('dig'), { status: 'True' });
  const semver = { policy: { semver: { range: '1.x' } } };
  await env.apply(imagePolicy('dig-never', 'dig', { ...semver, digestReflectionPolicy: 'Never' }));
  const once = imagePolicy('dig-once', 'dig', { ...semver, digestReflectionPolicy: 'IfNotPresent' });
  const always = imagePolicy('dig-always', 'dig', { ...semver, digestReflectionPolicy: 'Always', interval: '5m' });
  await env.apply(once);
  await env.apply(always);
  const never = (await env.waitForReady(policyRef('dig-never'), { status: 'True' })) as Obj;
  assert.deepEqual(latestOf(never), { name: image, tag: '1.0.0' });
  for (const name of ['dig-once', 'dig-always']) {
    const p = (await env.waitForReady(policyRef(name), { status: 'True' })) as Obj;
    assert.deepEqual(latestOf(p), { name: image, tag: '1.0.0', digest: first });
    assert.equal(readyOf(p)!.message, `Latest image tag for ${image} resolved to 1.0.0 with digest ${first}`);
  }

  // The same tag pushed again with other content: Always reflects the new digest, IfNotPresent keeps its own.
  const client2 = new RegistryClient({ registry: registry.host, repository: 'apps/dig' });
  await pushArtifact({ client: client2, tag: '1.0.0', layer: Buffer.from('other content'), meta: {} });
  const second = (await client2.resolve('1.0.0')).digest;
  assert.notEqual(second, first);
  await requestReconcile(always);
  await env.waitFor(
    'the new digest',
    async () => latestOf((await env.get(policyRef('dig-always'))) as Obj)?.digest === second,
  );
  const token = `${Date.now()}-once`;
  await env.apply({
    ...once,
    metadata: { ...once.metadata, annotations: { 'reconcile.fluxcd.io/requestedAt': token } },
  });
  const kept = await env.waitFor('the requested IfNotPresent run', async () => {
    const o = (await env.get(policyRef('dig-once'))) as Obj | undefined;
    return o?.status?.['lastHandledReconcileAt'] === token ? o : undefined;
  });
  assert.equal(latestOf(kept)?.digest, first);
});

void test('spec.insecure: a plain-HTTP registry on a non-loopback address is scanned only with insecure', async () => {
  const address = Object.values(networkInterfaces())
    .flat()
    .find((i) => i?.family === 'IPv4' && !i.internal)?.address;
  assert.ok(address, 'this test needs a non-loopback IPv4 address');
  const lan = await startTestRegistry({ bindAddress: address });
  try {
    await pushTags('lan/app', ['1.0.0'], lan, true);
    const image = `${lan.host}/lan/app`;
    await env.apply(imageRepository('tls-expected', image));
    const tls = (await env.waitForReady(repoRef('tls-expected'), {
      status: 'False',
      reason: 'ReadOperationFailed',
    })) as Obj;
    assert.match(readyOf(tls)!.message, new RegExp(`https://${lan.host.replace(/\./g, '\\.')}/v2/`));
    await env.apply(imageRepository('insecure', image, { insecure: true }));
    const ok = (await env.waitForReady(repoRef('insecure'), { status: 'True' })) as Obj;
    assert.equal(scanOf(ok)!.tagCount, 1);
  } finally {
    await lan.stop();
  }
});

void test('a registry behind a token server: the scan gets a Bearer token with the secretRef credentials; wrong ones are refused there', async () => {
  const tokened = await startTestRegistry({ tokenAuth: { username: USER, password: PASSWORD } });
  try {
    const client = new RegistryClient({
      registry: tokened.host,
      repository: 'team/app',
      credentials: { username: USER, password: PASSWORD },
    });
    for (const tag of ['v1.0.0', 'v1.1.0', 'v1.1.0.sig']) {
      await pushArtifact({ client, tag, layer: Buffer.from(tag), meta: {} });
    }
    await dockerConfigSecret('tokencred', tokened.host, PASSWORD);
    await dockerConfigSecret('badtoken', tokened.host, WRONG);
    const image = `${tokened.host}/team/app`;
    await env.apply(imageRepository('tokened', image, { secretRef: { name: 'tokencred' } }));
    const ok = (await env.waitForReady(repoRef('tokened'), { status: 'True' })) as Obj;
    assert.deepEqual(scanOf(ok)!.latestTags, ['v1.1.0', 'v1.0.0']);
    await env.apply(imagePolicy('tokened', 'tokened', { policy: { semver: { range: '1.x' } } }));
    const policy = (await env.waitForReady(policyRef('tokened'), { status: 'True' })) as Obj;
    assert.deepEqual(latestOf(policy), { name: image, tag: 'v1.1.0' });

    await env.apply(imageRepository('badtoken', image, { secretRef: { name: 'badtoken' } }));
    const bad = (await env.waitForReady(repoRef('badtoken'), {
      status: 'False',
      reason: 'ReadOperationFailed',
    })) as Obj;
    assert.match(readyOf(bad)!.message, /^scan failed: token service .* refused the credentials \(HTTP 401\)$/);
    assert.ok(!JSON.stringify(bad.status).includes(WRONG));
  } finally {
    await tokened.stop();
  }
});
