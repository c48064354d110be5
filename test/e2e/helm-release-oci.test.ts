// HelmRelease from an OCI chart, end to end: a chart of this test's making packaged and pushed by the
// real `helm push` to a real registry (distribution v3), an OCIRepository selecting Helm's chart layer,
// and a HelmRelease with spec.chartRef to it. As helm-controller: the chart version carries the artifact
// digest as build metadata, so a chart pushed again under the same tag upgrades the release.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { access, constants, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ApiVersions } from '../../src/api/constants.ts';
import type { KubeObject } from '../../src/kube/types.ts';
import { ref, startTestEnv, type TestEnv } from '../support/env.ts';
import { startTestRegistry, testBinDir, type TestRegistry } from '../support/oci-registry.ts';

const helmBin = path.join(process.env['DRIFTLESS_TEST_BIN_DIR'] ?? testBinDir(), 'helm');
const ns = 'hr-oci';
const HelmChartLayer = 'application/vnd.cncf.helm.chart.content.v1.tar+gzip';

let env: TestEnv;
let registry: TestRegistry;
let home: string;

type Cond = { type: string; status: string; reason: string; message: string };
type HrStatus = {
  conditions?: Cond[];
  history?: Record<string, unknown>[];
  lastAttemptedRevision?: string;
  lastAttemptedRevisionDigest?: string;
  lastHandledReconcileAt?: string;
};

const hrRef = (name: string) => ref(ApiVersions.helm, 'HelmRelease', ns, name);
const ociRef = (name: string) => ref(ApiVersions.source, 'OCIRepository', ns, name);
const statusOf = async (name: string): Promise<HrStatus> =>
  ((await env.get(hrRef(name))) as unknown as { status?: HrStatus } | undefined)?.status ?? {};
const condition = (s: HrStatus, type: string): Cond | undefined => s.conditions?.find((c) => c.type === type);

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(
      helmBin,
      args,
      { timeout: 60_000, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home } },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    ),
  );
}
async function helm(args: string[]): Promise<string> {
  const res = await run(args);
  assert.equal(res.code, 0, `helm ${args.join(' ')}:\n${res.stdout}\n${res.stderr}`);
  return res.stdout;
}

/** Packages chart `app` 0.1.0 with `message` as its default and pushes it to `oci://<registry>/charts`. */
async function pushChart(message: string): Promise<void> {
  const dir = path.join(env.tmp, `chart-${Date.now()}`);
  await mkdir(path.join(dir, 'app', 'templates'), { recursive: true });
  await writeFile(
    path.join(dir, 'app', 'Chart.yaml'),
    'apiVersion: v2\nname: app\nversion: 0.1.0\nappVersion: "2.0"\n',
  );
  await writeFile(path.join(dir, 'app', 'values.yaml'), `message: ${message}\n`);
  await writeFile(
    path.join(dir, 'app', 'templates', 'cm.yaml'),
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-config\ndata:\n  message: {{ .Values.message | quote }}\n',
  );
  await helm(['package', path.join(dir, 'app'), '--destination', dir]);
  await helm(['push', path.join(dir, 'app-0.1.0.tgz'), `oci://${registry.host}/charts`, '--plain-http']);
}

const ociRepository = (name: string): KubeObject => ({
  apiVersion: ApiVersions.source,
  kind: 'OCIRepository',
  metadata: { name, namespace: ns },
  spec: {
    url: `oci://${registry.host}/charts/app`,
    ref: { tag: '0.1.0' },
    interval: '10m',
    layerSelector: { mediaType: HelmChartLayer, operation: 'copy' },
  },
});

const helmRelease = (name: string, spec: Record<string, unknown>): KubeObject => ({
  apiVersion: ApiVersions.helm,
  kind: 'HelmRelease',
  metadata: { name, namespace: ns },
  spec: { interval: '10m', timeout: '2m', ...spec },
});

const configMessage = async (name: string): Promise<string | undefined> =>
  (
    (await env.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name })) as unknown as
      { data?: { message?: string } } | undefined
  )?.data?.message;

const ociRevision = async (name: string): Promise<string | undefined> =>
  ((await env.get(ociRef(name))) as unknown as { status?: { artifact?: { revision?: string } } } | undefined)?.status
    ?.artifact?.revision;

before(async () => {
  await access(helmBin, constants.X_OK).catch(() => {
    throw new Error(`${helmBin} not found; run scripts/provision.sh helm`);
  });
  env = await startTestEnv();
  registry = await startTestRegistry();
  home = path.join(env.tmp, 'home');
  await mkdir(home, { recursive: true });
  await env.namespace(ns);
});
after(async () => {
  await registry?.stop();
  await env?.stop();
});

test('chartRef kind OCIRepository: installed with the digest as version metadata; a push under the same tag upgrades', async () => {
  await pushChart('first');
  await env.apply(ociRepository('app'));
  const first = await env.waitFor('OCIRepository artifact', () => ociRevision('app'), 120_000);
  const [, digest1] = first.split('@');
  assert.match(digest1 ?? '', /^sha256:[0-9a-f]{64}$/);
  const version1 = `0.1.0+${(digest1 ?? '').slice('sha256:'.length, 'sha256:'.length + 12)}`;

  await env.apply(helmRelease('app', { chartRef: { kind: 'OCIRepository', name: 'app' } }));
  await env.waitForReady(hrRef('app'), { reason: 'InstallSucceeded' }, 180_000);
  let s = await statusOf('app');
  assert.equal(
    condition(s, 'Ready')?.message,
    `Helm install succeeded for release ${ns}/app.v1 with chart app@${version1}`,
  );
  assert.equal(s.lastAttemptedRevision, version1);
  assert.equal(s.lastAttemptedRevisionDigest, digest1);
  assert.equal(s.history?.[0]?.['chartVersion'], version1);
  assert.equal(s.history?.[0]?.['ociDigest'], digest1);
  assert.equal(await configMessage('app-config'), 'first');
  // Helm stored the version helm-controller would have: helm list shows it.
  const listed = JSON.parse(
    await helm(['list', '-o', 'json', '--kubeconfig', env.kubeconfigPath, '--namespace', ns]),
  ) as { name: string; chart: string; revision: string }[];
  assert.equal(listed.find((r) => r.name === 'app')?.chart, `app-${version1}`);
  const events = (await env.client.list('v1', 'Event', { namespace: ns })).items as unknown as {
    reason?: string;
    involvedObject?: { name?: string; kind?: string };
    metadata: { annotations?: Record<string, string> };
  }[];
  const installed = events.find((e) => e.reason === 'InstallSucceeded' && e.involvedObject?.kind === 'HelmRelease');
  assert.equal(installed?.metadata.annotations?.['helm.toolkit.fluxcd.io/oci-digest'], digest1);
  assert.equal(installed?.metadata.annotations?.['helm.toolkit.fluxcd.io/revision'], version1);

  // The same chart version pushed again with other content: a new digest under tag 0.1.0.
  await pushChart('second');
  const token = `repush-${Date.now()}`;
  await env.client.patch(ociRef('app'), { metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': token } } });
  const second = await env.waitFor(
    'OCIRepository new digest',
    async () => {
      const r = await ociRevision('app');
      return r && r !== first ? r : undefined;
    },
    120_000,
  );
  const [, digest2] = second.split('@');
  const version2 = `0.1.0+${(digest2 ?? '').slice('sha256:'.length, 'sha256:'.length + 12)}`;
  s = await env.waitFor(
    'HelmRelease upgraded to the new digest',
    async () => {
      const x = await statusOf('app');
      return condition(x, 'Ready')?.reason === 'UpgradeSucceeded' && x.history?.[0]?.['version'] === 2 ? x : undefined;
    },
    180_000,
  );
  assert.equal(
    condition(s, 'Ready')?.message,
    `Helm upgrade succeeded for release ${ns}/app.v2 with chart app@${version2}`,
  );
  assert.equal(s.lastAttemptedRevisionDigest, digest2);
  assert.equal(s.history?.[0]?.['ociDigest'], digest2);
  assert.equal(s.history?.[1]?.['ociDigest'], digest1, 'the superseded snapshot keeps its digest');
  assert.equal(await configMessage('app-config'), 'second');
});

test('chartRef to a missing OCIRepository waits with ArtifactFailed naming the kind', async () => {
  await env.apply(helmRelease('missing', { chartRef: { kind: 'OCIRepository', name: 'nowhere' } }));
  const ready = await env.waitForReady(hrRef('missing'), { status: 'False', reason: 'ArtifactFailed' }, 60_000);
  const cond = ready.status?.conditions?.find((c) => c.type === 'Ready');
  assert.equal(
    cond?.message,
    'could not get Source object: OCIRepository.source.toolkit.fluxcd.io "nowhere" not found',
  );
});

test('a HelmRepository of type oci: the HelmChart picks a version from the tags and pulls the chart layer', async () => {
  await env.apply({
    apiVersion: ApiVersions.source,
    kind: 'HelmRepository',
    metadata: { name: 'registry', namespace: ns },
    spec: { type: 'oci', url: `oci://${registry.host}/charts`, interval: '10m' },
  });
  await env.apply(
    helmRelease('templated', {
      chart: {
        spec: { chart: 'app', version: '0.1.x', sourceRef: { kind: 'HelmRepository', name: 'registry' } },
      },
      values: { message: 'from-oci-repository' },
    }),
  );
  await env.waitForReady(hrRef('templated'), { reason: 'InstallSucceeded' }, 180_000);
  const chart = (await env.get(ref(ApiVersions.source, 'HelmChart', ns, `${ns}-templated`))) as unknown as {
    status?: { artifact?: { revision?: string }; conditions?: Cond[] };
  };
  assert.equal(chart.status?.artifact?.revision, '0.1.0');
  assert.equal(
    chart.status?.conditions?.find((c) => c.type === 'Ready')?.message,
    "pulled 'app' chart with version '0.1.0'",
  );
  assert.equal(await configMessage('templated-config'), 'from-oci-repository');
  // Not an OCIRepository: the version is the chart's own, no digest metadata.
  assert.equal((await statusOf('templated')).lastAttemptedRevision, '0.1.0');
});
