// HelmRelease from an ExternalArtifact, end to end with the real producer: a chart of this test's making in a
// Git repository, an ArtifactGenerator copying it into an ExternalArtifact (revision `latest@sha256:…`), and a
// HelmRelease with spec.chartRef to it. As helm-controller: the chart version carries the artifact digest as
// build metadata, so a commit that changes the chart but not its version upgrades the release.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { access, constants } from 'node:fs/promises';
import path from 'node:path';
import { ArtifactGeneratorApiVersion } from '../../src/api/artifact-generator.ts';
import { ApiVersions } from '../../src/api/constants.ts';
import type { KubeObject } from '../../src/kube/types.ts';
import { gitRepoRef, gitRepository, ref, startTestEnv, type TestEnv } from '../support/env.ts';
import { testBinDir } from '../support/oci-registry.ts';

const helmBin = path.join(process.env['DRIFTLESS_TEST_BIN_DIR'] ?? testBinDir(), 'helm');
const ns = 'hr-ea';

let env: TestEnv;

type Cond = { type: string; status: string; reason: string; message: string };
type HrStatus = {
  conditions?: Cond[];
  history?: Record<string, unknown>[];
  lastAttemptedRevision?: string;
  lastAttemptedRevisionDigest?: string;
};

const hrRef = (name: string) => ref(ApiVersions.helm, 'HelmRelease', ns, name);
const eaRef = (name: string) => ref(ApiVersions.source, 'ExternalArtifact', ns, name);
const statusOf = async (name: string): Promise<HrStatus> =>
  ((await env.get(hrRef(name))) as unknown as { status?: HrStatus } | undefined)?.status ?? {};
const condition = (s: HrStatus, type: string): Cond | undefined => s.conditions?.find((c) => c.type === type);

const chartFiles = (message: string): Record<string, string> => ({
  'charts/app/Chart.yaml': 'apiVersion: v2\nname: app\nversion: 0.1.0\nappVersion: "2.0"\n',
  'charts/app/values.yaml': `message: ${message}\n`,
  'charts/app/templates/cm.yaml':
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-config\ndata:\n  message: {{ .Values.message | quote }}\n',
});

const helmRelease = (name: string, chartRef: Record<string, unknown>): KubeObject => ({
  apiVersion: ApiVersions.helm,
  kind: 'HelmRelease',
  metadata: { name, namespace: ns },
  spec: { interval: '10m', timeout: '2m', chartRef },
});

const configMessage = async (name: string): Promise<string | undefined> =>
  (
    (await env.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name })) as unknown as
      { data?: { message?: string } } | undefined
  )?.data?.message;

const eaRevision = async (name: string): Promise<string | undefined> =>
  ((await env.get(eaRef(name))) as unknown as { status?: { artifact?: { revision?: string } } } | undefined)?.status
    ?.artifact?.revision;

/** `0.1.0+<first 12 hex digits of the digest>`, the version helm-controller gives the chart. */
const versionOf = (revision: string): string => `0.1.0+${(revision.split('sha256:')[1] ?? '').slice(0, 12)}`;

before(async () => {
  await access(helmBin, constants.X_OK).catch(() => {
    throw new Error(`${helmBin} not found; run scripts/provision.sh helm`);
  });
  env = await startTestEnv();
  await env.namespace(ns);
  await env.createRepo('charts', { ...chartFiles('first'), 'README.md': '# charts\n' });
  await env.apply(gitRepository(ns, 'charts', env.git.repoUrl('charts')));
  await env.apply({
    apiVersion: ArtifactGeneratorApiVersion,
    kind: 'ArtifactGenerator',
    metadata: { name: 'charts', namespace: ns },
    spec: {
      sources: [{ alias: 'git', kind: 'GitRepository', name: 'charts' }],
      artifacts: [{ name: 'app-chart', copy: [{ from: '@git/charts/app/**', to: '@artifact/app/' }] }],
    },
  });
});
after(() => env?.stop());

test('chartRef kind ExternalArtifact: installed with the digest as version metadata; a new artifact upgrades', async () => {
  const first = await env.waitFor('ExternalArtifact artifact', () => eaRevision('app-chart'), 120_000);
  assert.match(first, /^latest@sha256:[0-9a-f]{64}$/);
  const version1 = versionOf(first);

  await env.apply(helmRelease('app', { kind: 'ExternalArtifact', name: 'app-chart' }));
  await env.waitForReady(hrRef('app'), { reason: 'InstallSucceeded' }, 180_000);
  let s = await statusOf('app');
  assert.equal(
    condition(s, 'Ready')?.message,
    `Helm install succeeded for release ${ns}/app.v1 with chart app@${version1}`,
  );
  assert.equal(s.lastAttemptedRevision, version1);
  // helm-controller records the whole revision as the digest of a non-semver ExternalArtifact revision.
  assert.equal(s.lastAttemptedRevisionDigest, first);
  assert.equal(s.history?.[0]?.['chartVersion'], version1);
  assert.equal(s.history?.[0]?.['ociDigest'], first);
  assert.equal(await configMessage('app-config'), 'first');

  // A commit changing the chart's content, not its version: the generator writes a new artifact and the
  // ExternalArtifact watch requeues the release, which upgrades.
  await env.commit('charts', chartFiles('second'), 'new default message');
  await env.client.patch(gitRepoRef(ns, 'charts'), {
    metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': `commit-${Date.now()}` } },
  });
  const second = await env.waitFor(
    'ExternalArtifact new revision',
    async () => {
      const r = await eaRevision('app-chart');
      return r && r !== first ? r : undefined;
    },
    120_000,
  );
  const version2 = versionOf(second);
  s = await env.waitFor(
    'HelmRelease upgraded to the new artifact',
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
  assert.equal(s.lastAttemptedRevisionDigest, second);
  assert.equal(s.history?.[1]?.['ociDigest'], first, 'the superseded snapshot keeps its digest');
  assert.equal(await configMessage('app-config'), 'second');
});

test('chartRef to a missing ExternalArtifact waits with ArtifactFailed naming the kind', async () => {
  await env.apply(helmRelease('missing', { kind: 'ExternalArtifact', name: 'nowhere' }));
  const ready = await env.waitForReady(hrRef('missing'), { status: 'False', reason: 'ArtifactFailed' }, 60_000);
  assert.equal(
    ready.status?.conditions?.find((c) => c.type === 'Ready')?.message,
    'could not get Source object: ExternalArtifact.source.toolkit.fluxcd.io "nowhere" not found',
  );
  // Once the producer writes it, the watch picks it up without waiting for the interval.
  await env.apply({
    apiVersion: ArtifactGeneratorApiVersion,
    kind: 'ArtifactGenerator',
    metadata: { name: 'late', namespace: ns },
    spec: {
      sources: [{ alias: 'git', kind: 'GitRepository', name: 'charts' }],
      artifacts: [{ name: 'nowhere', copy: [{ from: '@git/charts/app/**', to: '@artifact/app/' }] }],
    },
  });
  await env.waitForReady(hrRef('missing'), { reason: 'InstallSucceeded' }, 180_000);
});
