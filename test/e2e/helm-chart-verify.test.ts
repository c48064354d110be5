// HelmChart spec.verify end to end, and HelmRelease spec.chart.spec.verify that reaches it: charts of this
// test's making pushed by the real `helm push` to a real registry (distribution v3), a HelmRepository of
// type oci, signatures made by the real `cosign` with key pairs made here (v3 Sigstore bundles and the v2
// `.sig` tag). A signed chart verifies and installs; unsigned and wrongly signed versions fail with
// source-controller's ChartVerificationError and the installed release stays; keyless, notation and a missing
// keys Secret are refused by name.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { access, constants, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { ApiVersions } from '../../src/api/constants.ts';
import type { KubeObject } from '../../src/kube/types.ts';
import { KeylessNotSupportedMessage } from '../../src/controllers/cosign-keys.ts';
import { RegistryClient } from '../../src/sources/oci/client.ts';
import { ref, startTestEnv, type TestEnv } from '../support/env.ts';
import { startTestRegistry, testBinDir, type TestRegistry } from '../support/oci-registry.ts';

const run = promisify(execFile);
const helmBin = path.join(process.env['DRIFTLESS_TEST_BIN_DIR'] ?? testBinDir(), 'helm');
const cosignBin = path.join(process.env['DRIFTLESS_TEST_BIN_DIR'] ?? testBinDir(), 'cosign');
const ns = 'hc-verify';

let env: TestEnv;
let registry: TestRegistry;
let home: string;
let keys: { trusted: KeyPair; other: KeyPair };

interface KeyPair {
  key: string;
  pub: string;
}
type Cond = { type: string; status: string; reason: string; message: string };
type ChartStatus = { conditions?: Cond[]; artifact?: { revision?: string } };
type HrStatus = { conditions?: Cond[]; history?: Record<string, unknown>[] };

const hrRef = (name: string) => ref(ApiVersions.helm, 'HelmRelease', ns, name);
const hcRef = (name: string) => ref(ApiVersions.source, 'HelmChart', ns, name);
const chartOf = async (name: string) =>
  (await env.get(hcRef(name))) as unknown as
    (KubeObject & { spec: Record<string, unknown>; status?: ChartStatus }) | undefined;
const condition = (s: { conditions?: Cond[] } | undefined, type: string): Cond | undefined =>
  s?.conditions?.find((c) => c.type === type);
const hrStatus = async (name: string): Promise<HrStatus> =>
  ((await env.get(hrRef(name))) as unknown as { status?: HrStatus } | undefined)?.status ?? {};
const configMessage = async (name: string): Promise<string | undefined> =>
  (
    (await env.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name })) as unknown as
      { data?: { message?: string } } | undefined
  )?.data?.message;

const cosignEnv = (dir: string) => ({ PATH: process.env['PATH'] ?? '', HOME: dir, COSIGN_PASSWORD: '' });

/** `cosign generate-key-pair` in its own directory (the private key encrypted with an empty password). */
async function generateKeyPair(name: string): Promise<KeyPair> {
  const dir = await mkdtemp(path.join(env.tmp, `cosign-${name}-`));
  await run(cosignBin, ['generate-key-pair'], { cwd: dir, env: cosignEnv(dir) });
  return { key: path.join(dir, 'cosign.key'), pub: await readFile(path.join(dir, 'cosign.pub'), 'utf8') };
}

/** `cosign sign --key` of chart `app` at `digest`, offline; `bundle` false writes cosign v2's `.sig` tag. */
async function cosignSign(pair: KeyPair, digest: string, bundle: boolean): Promise<void> {
  await run(
    cosignBin,
    [
      'sign',
      '--key',
      pair.key,
      '--tlog-upload=false',
      '--use-signing-config=false',
      `--new-bundle-format=${bundle}`,
      '--allow-http-registry',
      '--yes',
      `${registry.host}/charts/app@${digest}`,
    ],
    { env: cosignEnv(path.dirname(pair.key)) },
  );
}

/** Packages chart `app` at `version` with `message` as its default, pushes it, returns the tag's digest. */
async function pushChart(version: string, message: string): Promise<string> {
  const dir = await mkdtemp(path.join(env.tmp, 'chart-'));
  await mkdir(path.join(dir, 'app', 'templates'), { recursive: true });
  await writeFile(path.join(dir, 'app', 'Chart.yaml'), `apiVersion: v2\nname: app\nversion: ${version}\n`);
  await writeFile(path.join(dir, 'app', 'values.yaml'), `message: ${message}\n`);
  await writeFile(
    path.join(dir, 'app', 'templates', 'cm.yaml'),
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-config\ndata:\n  message: {{ .Values.message | quote }}\n',
  );
  const helmEnv = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home };
  await run(helmBin, ['package', path.join(dir, 'app'), '--destination', dir], { env: helmEnv });
  await run(helmBin, ['push', path.join(dir, `app-${version}.tgz`), `oci://${registry.host}/charts`, '--plain-http'], {
    env: helmEnv,
  });
  const client = new RegistryClient({ registry: registry.host, repository: 'charts/app' });
  return (await client.resolve(version)).digest;
}

const helmRelease = (name: string, chartSpec: Record<string, unknown>): KubeObject => ({
  apiVersion: ApiVersions.helm,
  kind: 'HelmRelease',
  metadata: { name, namespace: ns },
  spec: {
    interval: '10m',
    timeout: '2m',
    chart: {
      spec: { chart: 'app', version: '*', sourceRef: { kind: 'HelmRepository', name: 'registry' }, ...chartSpec },
    },
  },
});

const helmChart = (name: string, verify: Record<string, unknown>): KubeObject => ({
  apiVersion: ApiVersions.source,
  kind: 'HelmChart',
  metadata: { name, namespace: ns },
  spec: { chart: 'app', interval: '10m', sourceRef: { kind: 'HelmRepository', name: 'registry' }, verify },
});

/** Asks the HelmChart for a reconcile now (Flux's requestedAt), as `flux reconcile source chart` does. */
const requestReconcile = (name: string, token: string) =>
  env.client.patch(hcRef(name), { metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': token } } });

/** Waits until the HelmChart's Ready is False with ChartVerificationError and a message containing `text`. */
const waitForVerificationError = (name: string, text: string) =>
  env.waitFor(`${name}: ChartVerificationError with '${text}'`, async () => {
    const hc = await chartOf(name);
    const ready = condition(hc?.status, 'Ready');
    return ready?.status === 'False' && ready.reason === 'ChartVerificationError' && ready.message.includes(text)
      ? hc
      : undefined;
  });

before(async () => {
  for (const bin of [helmBin, cosignBin]) {
    await access(bin, constants.X_OK).catch(() => {
      throw new Error(`${bin} not found; run scripts/provision.sh`);
    });
  }
  env = await startTestEnv();
  registry = await startTestRegistry();
  home = path.join(env.tmp, 'home');
  await mkdir(home, { recursive: true });
  await env.namespace(ns);
  keys = { trusted: await generateKeyPair('trusted'), other: await generateKeyPair('other') };
  await env.apply({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'cosign-keys', namespace: ns },
    stringData: { 'cosign.pub': keys.trusted.pub, 'README.md': 'only the .pub entries are keys' },
  });
  await env.apply({
    apiVersion: ApiVersions.source,
    kind: 'HelmRepository',
    metadata: { name: 'registry', namespace: ns },
    spec: { type: 'oci', url: `oci://${registry.host}/charts`, interval: '10m' },
  });
});
after(async () => {
  await registry?.stop();
  await env?.stop();
});

test('spec.chart.spec.verify reaches the HelmChart: signed installs, unsigned and wrongly signed keep the release, signed again upgrades', async () => {
  const first = await pushChart('0.1.0', 'first');
  // cosign v2's format (the `.sig` tag) for the first version, v3 Sigstore bundles for the second.
  await cosignSign(keys.trusted, first, false);
  const verify = { provider: 'cosign', secretRef: { name: 'cosign-keys' } };
  await env.apply(helmRelease('app', { verify }));
  await env.waitForReady(hrRef('app'), { reason: 'InstallSucceeded' }, 180_000);
  assert.equal(await configMessage('app-config'), 'first');
  const chartName = `${ns}-app`;
  let hc = await chartOf(chartName);
  assert.deepEqual(hc?.spec['verify'], verify, 'the template copies verify into the HelmChart it owns');
  const verified = condition(hc?.status, 'SourceVerified');
  assert.deepEqual(
    [verified?.status, verified?.reason, verified?.message],
    ['True', 'Succeeded', 'verified signature of version 0.1.0'],
  );

  // 0.2.0 pushed unsigned: the HelmChart fails as source-controller's, keeping the 0.1.0 artifact.
  await pushChart('0.2.0', 'second');
  await requestReconcile(chartName, 'unsigned');
  const url = `oci://${registry.host}/charts/app:0.2.0`;
  hc = await waitForVerificationError(
    chartName,
    `chart verification error: failed to verify ${url}: no signatures found`,
  );
  assert.deepEqual(
    [condition(hc?.status, 'SourceVerified')?.status, condition(hc?.status, 'SourceVerified')?.reason],
    ['False', 'VerificationError'],
  );
  assert.equal(condition(hc?.status, 'BuildFailed')?.reason, 'ChartVerificationError');
  assert.equal(hc?.status?.artifact?.revision, '0.1.0');
  const warning = await env.waitFor('ChartVerificationError warning event', async () => {
    const list = await env.client.list('v1', 'Event', { namespace: ns });
    return (list.items as { reason?: string; type?: string; involvedObject?: { name?: string } }[]).find(
      (e) => e.involvedObject?.name === chartName && e.reason === 'ChartVerificationError' && e.type === 'Warning',
    );
  });
  assert.ok(warning);
  let hr = await hrStatus('app');
  assert.equal(condition(hr, 'Ready')?.status, 'True');
  assert.equal(hr.history?.[0]?.['chartVersion'], '0.1.0', 'the installed release stays');
  assert.equal(await configMessage('app-config'), 'first');

  // Signed with a key the Secret does not hold: still refused, still 0.1.0.
  const second = (await new RegistryClient({ registry: registry.host, repository: 'charts/app' }).resolve('0.2.0'))
    .digest;
  await cosignSign(keys.other, second, true);
  await requestReconcile(chartName, 'wrong-key');
  hc = await waitForVerificationError(chartName, `failed to verify ${url}: no matching signatures`);
  assert.match(condition(hc?.status, 'Ready')?.message ?? '', /none signed with cosign\.pub/);
  assert.equal(hc?.status?.artifact?.revision, '0.1.0');
  assert.equal(await configMessage('app-config'), 'first');

  // Signed again, with the trusted key: one of the two bundles verifies; pulled, and the release upgrades.
  await cosignSign(keys.trusted, second, true);
  await requestReconcile(chartName, 'trusted');
  hc = await env.waitFor('HelmChart verified at 0.2.0', async () => {
    const o = await chartOf(chartName);
    return o?.status?.artifact?.revision === '0.2.0' && condition(o.status, 'Ready')?.status === 'True' ? o : undefined;
  });
  assert.equal(condition(hc.status, 'SourceVerified')?.message, 'verified signature of version 0.2.0');
  assert.equal(condition(hc.status, 'BuildFailed'), undefined);
  hr = await env.waitFor(
    'HelmRelease upgraded to 0.2.0',
    async () => {
      const s = await hrStatus('app');
      return condition(s, 'Ready')?.reason === 'UpgradeSucceeded' && s.history?.[0]?.['chartVersion'] === '0.2.0'
        ? s
        : undefined;
    },
    180_000,
  );
  assert.equal(await configMessage('app-config'), 'second');

  // Without verify the condition goes (source-controller drops SourceVerified with the field).
  await env.apply(helmRelease('app', {}));
  await env.waitFor('SourceVerified removed', async () => {
    const o = await chartOf(chartName);
    return (
      o &&
      !o.spec['verify'] &&
      !condition(o.status, 'SourceVerified') &&
      condition(o.status, 'Ready')?.status === 'True'
    );
  });
});

test('keyless and notation are NotSupported by name; a missing keys Secret is VerificationError', async () => {
  await env.apply(helmChart('keyless', { provider: 'cosign' }));
  const keyless = await env.waitForReady(hcRef('keyless'), { status: 'False', reason: 'NotSupported' });
  assert.equal(condition(keyless.status, 'Ready')?.message, KeylessNotSupportedMessage);
  assert.equal(condition(keyless.status, 'Stalled')?.status, 'True');

  await env.apply(helmChart('notation', { provider: 'notation', secretRef: { name: 'cosign-keys' } }));
  const notation = await env.waitForReady(hcRef('notation'), { status: 'False', reason: 'NotSupported' });
  assert.match(
    condition(notation.status, 'Ready')?.message ?? '',
    /^spec\.verify\.provider 'notation' is not supported/,
  );

  await env.apply(helmChart('oidc', { provider: 'cosign', matchOIDCIdentity: [{ issuer: '.*', subject: '.*' }] }));
  const oidc = await env.waitForReady(hcRef('oidc'), { status: 'False', reason: 'NotSupported' });
  assert.match(condition(oidc.status, 'Ready')?.message ?? '', /^spec\.verify\.matchOIDCIdentity is not supported/);

  await env.apply(helmChart('no-secret', { provider: 'cosign', secretRef: { name: 'absent' } }));
  const missing = await env.waitForReady(hcRef('no-secret'), { status: 'False', reason: 'VerificationError' });
  const message = `failed to verify the signature using provider 'cosign': secrets "absent" not found`;
  assert.equal(condition(missing.status, 'Ready')?.message, message);
  assert.equal(condition(missing.status, 'SourceVerified')?.message, message);

  // The HelmRelease refuses notation in its own template, naming its own field.
  await env.apply(helmRelease('notation', { verify: { provider: 'notation', secretRef: { name: 'cosign-keys' } } }));
  const hr = await env.waitForReady(hrRef('notation'), { status: 'False', reason: 'NotSupported' });
  assert.match(condition(hr.status, 'Ready')?.message ?? '', /spec\.chart\.spec\.verify\.provider 'notation'/);

  // A GitRepository chart cannot be verified: the HelmChart's CRD rule refuses it, and the HelmRelease says so.
  await env.apply(
    helmRelease('from-git', {
      chart: './charts/app',
      sourceRef: { kind: 'GitRepository', name: 'repo' },
      verify: { provider: 'cosign', secretRef: { name: 'cosign-keys' } },
    }),
  );
  const git = await env.waitForReady(hrRef('from-git'), { status: 'False' });
  assert.match(
    condition(git.status, 'Ready')?.message ?? '',
    /spec\.verify is only supported when spec\.sourceRef\.kind is 'HelmRepository'/,
  );
});
