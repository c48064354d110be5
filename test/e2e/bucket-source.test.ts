// Bucket (provider generic) through the whole loop against a real S3 server enforcing Signature V4
// (versitygw): the revision is source-controller's (sha256 over the sorted key → ETag index), a
// Kustomization applies the artifact, a changed object gives a new revision that is applied; a bucket
// that does not exist, wrong keys, an unsafe key and a hanging endpoint fail with Flux's reasons while
// the last artifact and the applied state stay; spec.prefix, spec.ignore, .sourceignore, suspend,
// an HTTPS endpoint trusted through spec.certSecretRef and spec.proxySecretRef (a forward proxy of the
// test's own: a CONNECT tunnel to the HTTPS versitygw, absolute-URI requests to the plain one).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ApiVersions } from '../../src/api/constants.ts';
import { ensurePki } from '../../src/devenv/control-plane/pki.ts';
import { startTestProxy, type TestProxy } from '../../src/devenv/http-proxy.ts';
import { startS3Server, type S3Server } from '../../src/devenv/s3-server.ts';
import type { KubeObject } from '../../src/kube/types.ts';
import { bucketRevision } from '../../src/sources/bucket/revision.ts';
import { ksRef, kustomization, ref, startTestEnv, type TestEnv } from '../support/env.ts';

let env: TestEnv;
let s3: S3Server;
let s3tls: S3Server;
let hanging: Server;
let proxy: TestProxy;
const PROXY = { username: 'proxy-user', password: 'proxy-bucket-password-161' };
const sockets = new Set<Socket>();
const ns = 'buckets';
const secretKeyWrong = 'definitely-not-the-secret-7c1e';

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
const cm = (name: string, value: string): string =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${ns}\ndata:\n  value: "${value}"\n`;
const bucketRef = (name: string) => ref(ApiVersions.source, 'Bucket', ns, name);
const bucket = (name: string, spec: Record<string, unknown>): KubeObject => ({
  apiVersion: ApiVersions.source,
  kind: 'Bucket',
  metadata: { name, namespace: ns },
  spec: {
    provider: 'generic',
    bucketName: 'manifests',
    endpoint: s3.endpoint,
    insecure: true,
    region: 'us-east-1',
    secretRef: { name: 's3-keys' },
    interval: '1m',
    timeout: '20s',
    ...spec,
  },
});
type Condition = { type: string; status: string; reason: string; message: string };
type BucketStatus = {
  artifact?: { revision?: string; path?: string; digest?: string; url?: string };
  conditions?: Condition[];
  observedIgnore?: string;
};
const statusOf = (obj: unknown): BucketStatus =>
  ((obj as { status?: unknown } | undefined)?.status ?? {}) as BucketStatus;
const condition = (obj: unknown, type: string): Condition | undefined =>
  statusOf(obj).conditions?.find((c) => c.type === type);
const configValue = async (name: string): Promise<string | undefined> => {
  const obj = await env.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name });
  return (obj?.['data'] as { value?: string } | undefined)?.value;
};
/** The revision source-controller computes for these objects: the index of key → MD5 ETag. */
const expectedRevision = (objects: Record<string, string>): string =>
  bucketRevision(new Map(Object.entries(objects).map(([k, v]) => [k, md5(v)])));
const eventsOf = async (name: string): Promise<{ reason?: string; type?: string; message?: string }[]> => {
  const list = await env.client.list('v1', 'Event', { namespace: ns });
  return (
    list.items as { reason?: string; type?: string; message?: string; involvedObject?: { name?: string } }[]
  ).filter((e) => e.involvedObject?.name === name);
};
const patchSpec = async (name: string, spec: Record<string, unknown>): Promise<void> => {
  const current = await env.get(bucketRef(name));
  assert.ok(current);
  await env.apply(bucket(name, { ...(current['spec'] as Record<string, unknown>), ...spec }));
};

// What the main bucket holds at first: the config, a .sourceignore object and a file it excludes.
const initial = { 'config/cm.yaml': cm('from-bucket', 'one'), 'docs/readme.md': '# not applied\n' };

before(async () => {
  env = await startTestEnv({ engine: false });
  s3 = await startS3Server();
  const pki = await ensurePki(path.join(env.tmp, 's3-tls'));
  s3tls = await startS3Server({ tls: { certFile: pki.servingCert, keyFile: pki.servingKey, caFile: pki.caCert } });
  // A peer that accepts connections and never answers: the endpoint that hangs.
  hanging = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
  proxy = await startTestProxy(PROXY);
  await env.namespace(ns);
  await s3.createBucket('manifests', { ...initial, '.sourceignore': 'docs/\n' });
  await s3.createBucket('mixed', {
    'team-a/apps/cm.yaml': cm('team-a', 'a'),
    'team-a/apps/notes.txt': 'not yaml',
    'team-b/cm.yaml': cm('team-b', 'b'),
  });
  await s3tls.createBucket('secure', { 'cm.yaml': cm('over-tls', 'tls') });
  const secret = (name: string, data: Record<string, string>): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: ns },
    stringData: data,
  });
  await env.apply(secret('s3-keys', { accesskey: s3.accessKey, secretkey: s3.secretKey }));
  await env.apply(secret('s3-wrong', { accesskey: s3.accessKey, secretkey: secretKeyWrong }));
  await env.apply(secret('s3-incomplete', { accesskey: s3.accessKey }));
  await env.apply(secret('s3tls-keys', { accesskey: s3tls.accessKey, secretkey: s3tls.secretKey }));
  await env.apply(secret('s3tls-ca', { 'ca.crt': await readFile(pki.caCert, 'utf8') }));
  await env.apply(secret('proxy', { address: proxy.url, ...PROXY }));
  await env.apply(secret('proxy-wrong', { address: proxy.url, username: PROXY.username, password: 'not-it-828' }));
  await env.startEngine();
});

after(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => (hanging ? hanging.close(() => resolve()) : resolve()));
  await env?.stop();
  await s3?.stop();
  await s3tls?.stop();
  await proxy?.stop();
});

test("Bucket is Ready with source-controller's revision and a Kustomization applies it", async () => {
  await env.apply(bucket('main', {}));
  const revision = expectedRevision({ 'config/cm.yaml': initial['config/cm.yaml'] });
  const ready = await env.waitForReady(bucketRef('main'), { messageIncludes: revision });
  const status = statusOf(ready);
  assert.equal(status.artifact?.revision, revision);
  assert.equal(status.artifact?.path, `bucket/${ns}/main/${revision.slice('sha256:'.length)}.tar.gz`);
  assert.match(status.artifact?.digest ?? '', /^sha256:[0-9a-f]{64}$/);
  assert.equal(condition(ready, 'Ready')?.message, `stored artifact: revision '${revision}'`);
  assert.equal(condition(ready, 'ArtifactInStorage')?.status, 'True');
  // One object fetched: docs/ is excluded by the bucket's .sourceignore object.
  const events = await eventsOf('main');
  assert.ok(
    events.some(
      (e) => e.reason === 'NewArtifact' && e.message === "stored artifact with 1 fetched files from 'manifests' bucket",
    ),
    JSON.stringify(events),
  );

  await env.apply(kustomization(ns, 'from-bucket', 'main', { sourceRef: { kind: 'Bucket', name: 'main' } }));
  const ks = await env.waitForReady(ksRef(ns, 'from-bucket'));
  assert.equal((ks.status as { lastAppliedRevision?: string }).lastAppliedRevision, revision);
  assert.equal(await configValue('from-bucket'), 'one');
});

test('a changed object gives a new revision, which is applied', async () => {
  const before = statusOf(await env.get(bucketRef('main'))).artifact?.revision;
  const changed = cm('from-bucket', 'two');
  await s3.put('manifests', { 'config/cm.yaml': changed });
  const revision = expectedRevision({ 'config/cm.yaml': changed });
  assert.notEqual(revision, before);
  await env.apply({
    ...bucket('main', {}),
    metadata: { name: 'main', namespace: ns, annotations: { 'reconcile.fluxcd.io/requestedAt': 'changed-object' } },
  });
  await env.waitForReady(bucketRef('main'), { messageIncludes: revision });
  await env.waitFor('the new value applied', async () => (await configValue('from-bucket')) === 'two');
  const ks = await env.waitForReady(ksRef(ns, 'from-bucket'));
  assert.equal((ks.status as { lastAppliedRevision?: string }).lastAppliedRevision, revision);
});

test('spec.prefix filters on the server and spec.ignore leaves keys out of the revision and artifact', async () => {
  await env.apply(bucket('prefixed', { bucketName: 'mixed', prefix: 'team-a/', ignore: '*.txt\n' }));
  const revision = expectedRevision({ 'team-a/apps/cm.yaml': cm('team-a', 'a') });
  const ready = await env.waitForReady(bucketRef('prefixed'), { messageIncludes: revision });
  assert.equal(statusOf(ready).observedIgnore, '*.txt\n');
  // Keys keep their full name inside the artifact, prefix included.
  await env.apply(
    kustomization(ns, 'team-a', 'prefixed', { sourceRef: { kind: 'Bucket', name: 'prefixed' }, path: './team-a/apps' }),
  );
  await env.waitForReady(ksRef(ns, 'team-a'));
  assert.equal(await configValue('team-a'), 'a');
  assert.equal(await configValue('team-b'), undefined);
});

test('HTTPS endpoint trusted through spec.certSecretRef; without it the certificate is refused', async () => {
  const spec = {
    bucketName: 'secure',
    endpoint: s3tls.endpoint,
    insecure: false,
    secretRef: { name: 's3tls-keys' },
  };
  await env.apply(bucket('untrusted', spec));
  const failed = await env.waitForReady(bucketRef('untrusted'), { status: 'False', reason: 'BucketOperationFailed' });
  assert.match(
    condition(failed, 'Ready')?.message ?? '',
    /failed to confirm existence of 'secure' bucket: .*certificate/,
  );
  await env.apply(bucket('trusted', { ...spec, certSecretRef: { name: 's3tls-ca' } }));
  await env.waitForReady(bucketRef('trusted'), {
    messageIncludes: expectedRevision({ 'cm.yaml': cm('over-tls', 'tls') }),
  });
});

test('spec.proxySecretRef: the HTTPS endpoint through a CONNECT tunnel, the plain one by absolute URIs; wrong proxy credentials fail without the password', async () => {
  const seenBefore = proxy.requests.length;
  await env.apply(
    bucket('tunnelled', {
      bucketName: 'secure',
      endpoint: s3tls.endpoint,
      insecure: false,
      secretRef: { name: 's3tls-keys' },
      certSecretRef: { name: 's3tls-ca' },
      proxySecretRef: { name: 'proxy' },
    }),
  );
  await env.waitForReady(bucketRef('tunnelled'), {
    messageIncludes: expectedRevision({ 'cm.yaml': cm('over-tls', 'tls') }),
  });
  const tunnels = proxy.requests.slice(seenBefore).filter((r) => r.target === s3tls.endpoint);
  assert.ok(
    tunnels.length > 0 && tunnels.every((r) => r.method === 'CONNECT' && r.status === 200),
    JSON.stringify(tunnels),
  );

  const plainBefore = proxy.requests.length;
  await env.apply(bucket('forwarded', { bucketName: 'mixed', prefix: 'team-b/', proxySecretRef: { name: 'proxy' } }));
  await env.waitForReady(bucketRef('forwarded'), {
    messageIncludes: expectedRevision({ 'team-b/cm.yaml': cm('team-b', 'b') }),
  });
  const forwarded = proxy.requests.slice(plainBefore).filter((r) => r.target.startsWith(`http://${s3.endpoint}/mixed`));
  assert.ok(
    forwarded.some((r) => r.method === 'GET' && r.status === 200),
    JSON.stringify(proxy.requests.slice(plainBefore)),
  );

  await env.apply(bucket('proxy-wrong', { proxySecretRef: { name: 'proxy-wrong' } }));
  const failed = await env.waitForReady(bucketRef('proxy-wrong'), { status: 'False', reason: 'BucketOperationFailed' });
  const texts = [JSON.stringify(failed.status), ...(await eventsOf('proxy-wrong')).map((e) => e.message ?? '')];
  for (const t of texts) assert.ok(!t.includes('not-it-828') && !t.includes(PROXY.password), `leaked into: ${t}`);
  assert.ok(proxy.requests.some((r) => r.status === 407));
});

test('a bucket that does not exist: BucketOperationFailed, FetchFailed', async () => {
  await env.apply(bucket('missing', { bucketName: 'no-such-bucket' }));
  const failed = await env.waitForReady(bucketRef('missing'), { status: 'False', reason: 'BucketOperationFailed' });
  assert.equal(condition(failed, 'Ready')?.message, "bucket 'no-such-bucket' not found");
  assert.equal(condition(failed, 'FetchFailed')?.status, 'True');
});

test('a Secret without secretkey is AuthenticationFailed; a provider other than generic is refused by name', async () => {
  await env.apply(bucket('incomplete', { secretRef: { name: 's3-incomplete' } }));
  const failed = await env.waitForReady(bucketRef('incomplete'), { status: 'False', reason: 'AuthenticationFailed' });
  assert.equal(
    condition(failed, 'Ready')?.message,
    "invalid 's3-incomplete' secret data: required fields 'accesskey' and 'secretkey'",
  );
  await env.apply(bucket('aws', { provider: 'aws' }));
  const refused = await env.waitForReady(bucketRef('aws'), { status: 'False', reason: 'NotSupported' });
  assert.match(condition(refused, 'Ready')?.message ?? '', /spec\.provider 'aws' is not supported by Driftless yet/);
  assert.equal(condition(refused, 'Stalled')?.status, 'True');
});

test('wrong keys fail with no secret in any message; the last artifact and the applied state stay', async () => {
  const good = statusOf(await env.get(bucketRef('main'))).artifact;
  assert.ok(good?.revision);
  await patchSpec('main', { secretRef: { name: 's3-wrong' } });
  const failed = await env.waitForReady(bucketRef('main'), { status: 'False', reason: 'BucketOperationFailed' });
  const message = condition(failed, 'Ready')?.message ?? '';
  assert.equal(message, "failed to confirm existence of 'manifests' bucket: Access Denied.");
  assert.deepEqual(statusOf(failed).artifact, good);
  const texts = [JSON.stringify(failed.status), ...(await eventsOf('main')).map((e) => e.message ?? '')];
  for (const t of texts) {
    assert.ok(!t.includes(secretKeyWrong) && !t.includes(s3.secretKey), `a secret leaked into: ${t}`);
  }
  assert.equal(await configValue('from-bucket'), 'two');
  await patchSpec('main', { secretRef: { name: 's3-keys' } });
  await env.waitForReady(bucketRef('main'), { messageIncludes: good.revision });
  // Recovered with the same artifact: source-controller's Succeeded event, not a NewArtifact one.
  await env.waitFor('the recovery event', async () =>
    (await eventsOf('main')).some(
      (e) => e.reason === 'Succeeded' && e.message === "stored artifact with 1 fetched files from 'manifests' bucket",
    ),
  );
});

test('an object key that could escape the artifact root is refused; the last artifact stays', async () => {
  const good = statusOf(await env.get(bucketRef('main'))).artifact;
  await s3.put('manifests', { 'config\\..\\..\\evil.yaml': cm('evil', 'x') });
  await env.apply({
    ...bucket('main', {}),
    metadata: { name: 'main', namespace: ns, annotations: { 'reconcile.fluxcd.io/requestedAt': 'unsafe-key' } },
  });
  const failed = await env.waitForReady(bucketRef('main'), { status: 'False', reason: 'BucketOperationFailed' });
  assert.match(
    condition(failed, 'Ready')?.message ?? '',
    /^indexation of objects from bucket 'manifests' failed: object key 'config\\\.\.\\\.\.\\evil\.yaml' contains a backslash/,
  );
  assert.deepEqual(statusOf(failed).artifact, good);
  assert.equal(await configValue('from-bucket'), 'two');
  assert.equal(await configValue('evil'), undefined);
  await s3.remove('manifests', ['config\\..\\..\\evil.yaml']);
  await env.apply({
    ...bucket('main', {}),
    metadata: { name: 'main', namespace: ns, annotations: { 'reconcile.fluxcd.io/requestedAt': 'key-removed' } },
  });
  await env.waitForReady(bucketRef('main'), { messageIncludes: good?.revision ?? '' });
});

test('an endpoint that never answers fails within spec.timeout', async () => {
  const addr = hanging.address();
  assert.ok(addr && typeof addr === 'object');
  await env.apply(bucket('hangs', { endpoint: `127.0.0.1:${addr.port}`, timeout: '1s' }));
  const failed = await env.waitForReady(bucketRef('hangs'), { status: 'False', reason: 'BucketOperationFailed' });
  assert.equal(
    condition(failed, 'Ready')?.message,
    "failed to confirm existence of 'manifests' bucket: timed out (spec.timeout)",
  );
});

test('a suspended Bucket is left alone while one created after it is reconciled', async () => {
  await env.apply(bucket('suspended', { suspend: true }));
  await env.apply(bucket('active', {}));
  await env.waitForReady(bucketRef('active'));
  const suspended = await env.get(bucketRef('suspended'));
  assert.equal(statusOf(suspended).artifact, undefined);
  assert.equal(condition(suspended, 'Ready'), undefined);
});

test('a chart in a Bucket: HelmChart packaged with the Revision strategy, and a HelmRelease installs it', async () => {
  const chartFiles = {
    'charts/hello/Chart.yaml': 'apiVersion: v2\nname: hello\nversion: 0.1.0\n',
    'charts/hello/templates/cm.yaml':
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-chart\ndata:\n  value: from-a-bucket\n',
  };
  await s3.createBucket('charts', chartFiles);
  await env.apply(bucket('charts', { bucketName: 'charts' }));
  const revision = expectedRevision(chartFiles);
  await env.waitForReady(bucketRef('charts'), { messageIncludes: revision });

  // source-controller's build metadata for a Bucket: the first 12 hex digits of the revision digest.
  const chartRef = ref(ApiVersions.source, 'HelmChart', ns, 'from-bucket');
  await env.apply({
    apiVersion: ApiVersions.source,
    kind: 'HelmChart',
    metadata: { name: 'from-bucket', namespace: ns },
    spec: {
      chart: './charts/hello',
      interval: '10m',
      reconcileStrategy: 'Revision',
      sourceRef: { kind: 'Bucket', name: 'charts' },
    },
  });
  const chart = await env.waitForReady(chartRef);
  const hex = revision.slice('sha256:'.length, 'sha256:'.length + 12);
  assert.equal(statusOf(chart).artifact?.revision, `0.1.0+${hex}`);

  const release = ref('helm.toolkit.fluxcd.io/v2', 'HelmRelease', ns, 'hello');
  await env.apply({
    apiVersion: release.apiVersion,
    kind: 'HelmRelease',
    metadata: { name: 'hello', namespace: ns },
    spec: {
      interval: '10m',
      chart: { spec: { chart: './charts/hello', sourceRef: { kind: 'Bucket', name: 'charts' } } },
    },
  });
  await env.waitForReady(release, {}, 120_000);
  assert.equal(await configValue('hello-chart'), 'from-a-bucket');
});
