// HelmRelease CRD policies end to end (spec.install.crds, spec.upgrade.crds): charts of this test's making
// with crds/ directories in a GitRepository, released by the real helm (`helm-controller` build), the
// chart's CRDs applied by the reconciler as helm-controller's applyCRDs does: Create by default, Skip,
// CreateReplace; origin labels and the field manager helm-controller on what it applied. Then
// spec.healthCheckExprs: a custom resource of the chart judged by CEL rules before the release is Ready.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { access, constants } from 'node:fs/promises';
import path from 'node:path';
import { ApiVersions } from '../../src/api/constants.ts';
import type { KubeObject } from '../../src/kube/types.ts';
import { gitRepository, ref, startTestEnv, type TestEnv } from '../support/env.ts';
import { testBinDir } from '../support/oci-registry.ts';

const helmBin = path.join(process.env['DRIFTLESS_TEST_BIN_DIR'] ?? testBinDir(), 'helm-controller');
const ns = 'hr-crds';
let env: TestEnv;

/** A CRD `<plural>.crds.e2e.driftless.dev` (cluster-wide, so each test uses its own plural). */
const crd = (plural: string, kind: string, note: string): string =>
  [
    'apiVersion: apiextensions.k8s.io/v1',
    'kind: CustomResourceDefinition',
    'metadata:',
    `  name: ${plural}.crds.e2e.driftless.dev`,
    '  annotations:',
    `    e2e.driftless.dev/note: ${note}`,
    'spec:',
    '  group: crds.e2e.driftless.dev',
    '  scope: Namespaced',
    `  names: { plural: ${plural}, singular: ${plural.slice(0, -1)}, kind: ${kind}, listKind: ${kind}List }`,
    '  versions:',
    '    - name: v1',
    '      served: true',
    '      storage: true',
    '      schema:',
    '        openAPIV3Schema:',
    '          type: object',
    '          x-kubernetes-preserve-unknown-fields: true',
    '',
  ].join('\n');

const chartYaml = (name: string, version: string) => `apiVersion: v2\nname: ${name}\nversion: ${version}\n`;
const widget = [
  'apiVersion: crds.e2e.driftless.dev/v1',
  'kind: Widget',
  'metadata:',
  '  name: {{ .Release.Name }}-widget',
  'spec:',
  '  size: 3',
  '',
].join('\n');

const crdRef = (plural: string) =>
  ref('apiextensions.k8s.io/v1', 'CustomResourceDefinition', undefined, `${plural}.crds.e2e.driftless.dev`);
const hrRef = (name: string) => ref(ApiVersions.helm, 'HelmRelease', ns, name);
type HrStatus = {
  conditions?: { type: string; status: string; reason: string }[];
  history?: { chartVersion?: string }[];
};

const helmRelease = (name: string, chart: string, spec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: ApiVersions.helm,
  kind: 'HelmRelease',
  metadata: { name, namespace: ns },
  spec: {
    interval: '10m',
    timeout: '2m',
    chart: { spec: { chart, sourceRef: { kind: 'GitRepository', name: 'charts' }, interval: '1m' } },
    ...spec,
  },
});

/**
 * Commits `files`, asks the GitRepository to fetch, applies `hr` when given (after the chart exists), and
 * waits until the release runs `version`.
 */
async function release(name: string, files: Record<string, string>, version: string, hr?: KubeObject): Promise<void> {
  await env.commit('charts', files, `chart ${version}`);
  const token = `${version}-${Date.now()}`;
  await env.client.patch(ref(ApiVersions.source, 'GitRepository', ns, 'charts'), {
    metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': token } },
  });
  if (hr) await env.apply(hr);
  let last: HrStatus = {};
  await env.waitFor(
    () => `HelmRelease ${name} Ready at chart ${version} (last: ${JSON.stringify(last.conditions)})`,
    async () => {
      last = ((await env.get(hrRef(name))) as unknown as { status?: HrStatus } | undefined)?.status ?? {};
      const ready = last.conditions?.find((c) => c.type === 'Ready');
      return ready?.status === 'True' && last.history?.[0]?.chartVersion === version;
    },
    180_000,
  );
}

const note = async (plural: string): Promise<string | undefined> =>
  (await env.get(crdRef(plural)))?.metadata.annotations?.['e2e.driftless.dev/note'];

before(async () => {
  await access(helmBin, constants.X_OK).catch(() => {
    throw new Error(`${helmBin} not found; run scripts/provision.sh helm`);
  });
  env = await startTestEnv();
  await env.namespace(ns);
  await env.createRepo('charts', { 'README.md': 'charts\n' });
  await env.apply(gitRepository(ns, 'charts', env.git.repoUrl('charts')));
});
after(() => env?.stop());

test('install crds default Create: the CRD made with origin labels before the objects that use it', async () => {
  await release(
    'app',
    {
      'charts/app/Chart.yaml': chartYaml('app', '0.1.0'),
      'charts/app/crds/widgets.yaml': crd('widgets', 'Widget', 'one'),
      'charts/app/templates/widget.yaml': widget,
    },
    '0.1.0',
    helmRelease('app', './charts/app'),
  );
  const made = await env.get(crdRef('widgets'));
  assert.equal(made?.metadata.labels?.['helm.toolkit.fluxcd.io/name'], 'app');
  assert.equal(made?.metadata.labels?.['helm.toolkit.fluxcd.io/namespace'], ns);
  const managers = ((made?.metadata as { managedFields?: { manager: string }[] }).managedFields ?? []).map(
    (m) => m.manager,
  );
  assert.ok(managers.includes('helm-controller'), `managers: ${managers.join(', ')}`);
  // helm was told to skip crds/: the CRD is not part of the release manifest, the Widget is.
  const cr = await env.get(ref('crds.e2e.driftless.dev/v1', 'Widget', ns, 'app-widget'));
  assert.equal(cr?.metadata.annotations?.['meta.helm.sh/release-name'], 'app');
  // status.inventory as helm-controller's: the manifest's objects (the custom kind's namespace completed
  // from discovery), then the chart's crds/.
  const hr = (await env.get(hrRef('app'))) as unknown as { status?: { inventory?: { entries: unknown[] } } };
  assert.deepEqual(hr.status?.inventory?.entries, [
    { id: `${ns}_app-widget_crds.e2e.driftless.dev_Widget`, v: 'v1' },
    { id: '_widgets.crds.e2e.driftless.dev_apiextensions.k8s.io_CustomResourceDefinition', v: 'v1' },
  ]);
});

test('upgrade crds Skip leaves a new CRD out; CreateReplace creates it and replaces the changed one', async () => {
  await env.apply(helmRelease('app', './charts/app', { upgrade: { crds: 'Skip' } }));
  await release(
    'app',
    {
      'charts/app/Chart.yaml': chartYaml('app', '0.2.0'),
      'charts/app/crds/widgets.yaml': crd('widgets', 'Widget', 'two'),
      'charts/app/crds/gadgets.yaml': crd('gadgets', 'Gadget', 'one'),
    },
    '0.2.0',
  );
  assert.equal(await env.get(crdRef('gadgets')), undefined, 'Skip: no new CRD');
  assert.equal(await note('widgets'), 'one', 'Skip: the existing CRD unchanged');

  await env.apply(helmRelease('app', './charts/app', { upgrade: { crds: 'CreateReplace' } }));
  await release(
    'app',
    {
      'charts/app/Chart.yaml': chartYaml('app', '0.3.0'),
      'charts/app/crds/widgets.yaml': crd('widgets', 'Widget', 'three'),
    },
    '0.3.0',
  );
  assert.equal(await note('gadgets'), 'one', 'CreateReplace: the new CRD made');
  assert.equal(await note('widgets'), 'three', 'CreateReplace: the existing CRD replaced');
  assert.equal((await env.get(crdRef('gadgets')))?.metadata.labels?.['helm.toolkit.fluxcd.io/name'], 'app');
});

test('install crds Skip: the chart installs without its CRDs', async () => {
  await release(
    'bare',
    {
      'charts/bare/Chart.yaml': chartYaml('bare', '0.1.0'),
      'charts/bare/crds/things.yaml': crd('things', 'Thing', 'one'),
      'charts/bare/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bare\ndata: {}\n',
    },
    '0.1.0',
    helmRelease('bare', './charts/bare', { install: { crds: 'Skip' } }),
  );
  assert.equal(await env.get(crdRef('things')), undefined);
});

// CEL rules for the Widgets of the chart: Current when status.phase is Ready, Failed when it is Failed.
const widgetHealth = [
  {
    apiVersion: 'crds.e2e.driftless.dev/v1',
    kind: 'Widget',
    current: "has(status.phase) && status.phase == 'Ready'",
    inProgress: "!has(status.phase) || status.phase == 'Pending'",
    failed: "has(status.phase) && status.phase == 'Failed'",
  },
];

/** Sets the Widget's status.phase once it exists (the CRD has no status subresource). */
async function setPhase(name: string, phase: string): Promise<void> {
  const widgetRef = ref('crds.e2e.driftless.dev/v1', 'Widget', ns, name);
  await env.waitFor(`Widget ${name}`, () => env.get(widgetRef), 120_000);
  await env.client.patch(widgetRef, { status: { phase } });
}

test('healthCheckExprs: the release is Ready only when the CEL rules say the Widget is Current', async () => {
  const files = {
    'charts/healthy/Chart.yaml': chartYaml('healthy', '0.1.0'),
    'charts/healthy/templates/widget.yaml': widget,
  };
  await env.commit('charts', files, 'chart healthy');
  await env.apply(helmRelease('healthy', './charts/healthy', { healthCheckExprs: widgetHealth }));
  await env.client.patch(ref(ApiVersions.source, 'GitRepository', ns, 'charts'), {
    metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': `healthy-${Date.now()}` } },
  });
  // helm's own wait is over as soon as the Widget exists; the release is not Ready until the rule holds.
  const widgetRef = ref('crds.e2e.driftless.dev/v1', 'Widget', ns, 'healthy-widget');
  await env.waitFor('Widget healthy-widget', () => env.get(widgetRef), 120_000);
  const early = ((await env.get(hrRef('healthy'))) as unknown as { status?: HrStatus } | undefined)?.status;
  assert.notEqual(
    early?.conditions?.find((c) => c.type === 'Ready')?.status,
    'True',
    'not Ready before the rule holds',
  );
  await setPhase('healthy-widget', 'Ready');
  await env.waitForReady(hrRef('healthy'), { reason: 'InstallSucceeded' }, 120_000);
});

test('healthCheckExprs: a Widget the rules call Failed fails the install, and Helm stores the release failed', async () => {
  await env.commit(
    'charts',
    { 'charts/sick/Chart.yaml': chartYaml('sick', '0.1.0'), 'charts/sick/templates/widget.yaml': widget },
    'chart sick',
  );
  await env.apply(helmRelease('sick', './charts/sick', { timeout: '1m', healthCheckExprs: widgetHealth }));
  await env.client.patch(ref(ApiVersions.source, 'GitRepository', ns, 'charts'), {
    metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': `sick-${Date.now()}` } },
  });
  await setPhase('sick-widget', 'Failed');
  const ready = await env.waitForReady(hrRef('sick'), { status: 'False', reason: 'InstallFailed' }, 180_000);
  const message = ready.status?.conditions?.find((c) => c.type === 'Ready')?.message ?? '';
  assert.match(message, /^Helm install failed for release hr-crds\/sick with chart sick@0\.1\.0: .*Widget.*Failed/s);
  const secret = await env.get({ apiVersion: 'v1', kind: 'Secret', namespace: ns, name: 'sh.helm.release.v1.sick.v1' });
  assert.equal(secret?.metadata.labels?.['status'], 'failed');
});

test('healthCheckExprs that do not compile stall the release: InvalidCELExpression', async () => {
  await env.apply(
    helmRelease('badcel', './charts/healthy', {
      healthCheckExprs: [{ apiVersion: 'crds.e2e.driftless.dev/v1', kind: 'Widget', current: 'status.phase ==' }],
    }),
  );
  const ready = await env.waitForReady(hrRef('badcel'), { status: 'False', reason: 'InvalidCELExpression' }, 60_000);
  const stalled = ready.status?.conditions?.find((c) => c.type === 'Stalled');
  assert.equal(stalled?.status, 'True');
  assert.match(
    stalled?.message ?? '',
    /^Reconciliation failed terminally due to configuration error: spec\.healthCheckExprs\[0\]\.current/,
  );
});
