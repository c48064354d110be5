// HelmRelease post-rendering end to end: spec.postRenderers (kustomize patches and images), commonMetadata and
// helm-controller's origin labels, run by helm (the helm-controller build as its postrenderer/v1 plugin, with
// kustomize's own Go API); postRenderStrategy combined (hooks post-rendered too) and nohooks (hooks left
// alone); a change of post-renderers or common metadata alone upgrades the release (observed digests).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiVersions } from '../../src/api/constants.ts';
import type { KubeObject } from '../../src/kube/types.ts';
import { gitRepository, ref, startTestEnv, type TestEnv } from '../support/env.ts';

const ns = 'hr-postrender';
let env: TestEnv;

const chartFiles = {
  'charts/app/Chart.yaml': 'apiVersion: v2\nname: app\nversion: 0.1.0\n',
  'charts/app/values.yaml': 'message: hello\n',
  'charts/app/templates/objects.yaml': [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    '  name: {{ .Release.Name }}-config',
    'data:',
    '  message: {{ .Values.message | quote }}',
    '---',
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: {{ .Release.Name }}-web',
    'spec:',
    '  replicas: 0',
    '  selector:',
    '    matchLabels: {app: web}',
    '  template:',
    '    metadata:',
    '      labels: {app: web}',
    '    spec:',
    '      containers:',
    '        - name: web',
    '          image: nginx:1.0',
    '---',
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    '  name: {{ .Release.Name }}-hook',
    '  annotations:',
    '    helm.sh/hook: pre-install,pre-upgrade',
    '    helm.sh/hook-delete-policy: before-hook-creation',
    'data:',
    '  hook: "yes"',
    '',
  ].join('\n'),
};

type Cond = { type: string; status: string; reason: string; message: string };
type HrStatus = {
  conditions?: Cond[];
  history?: { version: number }[];
  observedPostRenderersDigest?: string;
  observedCommonMetadataDigest?: string;
};
const hrRef = ref(ApiVersions.helm, 'HelmRelease', ns, 'app');
const get = (apiVersion: string, kind: string, name: string) => env.get({ apiVersion, kind, namespace: ns, name });
const statusOf = async (): Promise<HrStatus> =>
  ((await env.get(hrRef)) as unknown as { status?: HrStatus } | undefined)?.status ?? {};

const helmRelease = (extra: Record<string, unknown>): KubeObject => ({
  apiVersion: ApiVersions.helm,
  kind: 'HelmRelease',
  metadata: { name: 'app', namespace: ns },
  spec: {
    interval: '10m',
    timeout: '2m',
    chart: {
      spec: { chart: './charts/app', sourceRef: { kind: 'GitRepository', name: 'charts' }, interval: '1m' },
    },
    install: { disableWait: true },
    upgrade: { disableWait: true },
    postRenderers: [
      {
        kustomize: {
          patches: [
            {
              target: { kind: 'ConfigMap', name: 'app-config' },
              patch: '- op: add\n  path: /data/patched\n  value: by-kustomize\n',
            },
          ],
          images: [{ name: 'nginx', newTag: '2.0' }],
        },
      },
    ],
    ...extra,
  },
});

before(async () => {
  env = await startTestEnv();
  await env.namespace(ns);
  await env.createRepo('charts', chartFiles);
  await env.apply(gitRepository(ns, 'charts', env.git.repoUrl('charts')));
});
after(() => env?.stop());

test('postRenderers and commonMetadata (strategy combined): patches, images, labels and annotations on every object', async () => {
  await env.apply(helmRelease({ commonMetadata: { labels: { team: 'a' }, annotations: { note: 'b' } } }));
  await env.waitForReady(hrRef, { reason: 'InstallSucceeded' }, 180_000);
  const cm = (await get('v1', 'ConfigMap', 'app-config')) as unknown as KubeObject & { data: Record<string, string> };
  assert.deepEqual(cm.data, { message: 'hello', patched: 'by-kustomize' });
  const deploy = (await get('apps/v1', 'Deployment', 'app-web')) as unknown as {
    metadata: KubeObject['metadata'];
    spec: { template: { metadata: { labels: Record<string, string> }; spec: { containers: { image: string }[] } } };
  };
  assert.equal(deploy.spec.template.spec.containers[0]?.image, 'nginx:2.0');
  assert.deepEqual(deploy.spec.template.metadata.labels, { app: 'web' }, 'metadata only, as helm-controller');
  const hook = await get('v1', 'ConfigMap', 'app-hook');
  for (const obj of [cm, deploy, hook]) {
    assert.equal(obj?.metadata.labels?.['team'], 'a', obj?.metadata.name);
    assert.equal(obj?.metadata.annotations?.['note'], 'b', obj?.metadata.name);
    assert.equal(obj?.metadata.labels?.['helm.toolkit.fluxcd.io/name'], 'app', obj?.metadata.name);
    assert.equal(obj?.metadata.labels?.['helm.toolkit.fluxcd.io/namespace'], ns, obj?.metadata.name);
  }
  const s = await statusOf();
  assert.match(s.observedPostRenderersDigest ?? '', /^sha256:[0-9a-f]{64}$/);
  assert.match(s.observedCommonMetadataDigest ?? '', /^sha256:[0-9a-f]{64}$/);
});

test('a change of commonMetadata alone upgrades; postRenderStrategy nohooks leaves hooks alone', async () => {
  await env.apply(helmRelease({ commonMetadata: { labels: { team: 'c' } }, postRenderStrategy: 'nohooks' }));
  const s = await env.waitFor(
    'HelmRelease app upgraded to revision 2',
    async () => {
      const x = await statusOf();
      const ready = x.conditions?.find((c) => c.type === 'Ready');
      return x.history?.[0]?.version === 2 && ready?.status === 'True' ? x : undefined;
    },
    180_000,
  );
  assert.equal(s.conditions?.find((c) => c.type === 'Ready')?.reason, 'UpgradeSucceeded');
  const cm = await get('v1', 'ConfigMap', 'app-config');
  assert.equal(cm?.metadata.labels?.['team'], 'c');
  assert.equal(cm?.metadata.annotations?.['note'], undefined);
  const hook = await get('v1', 'ConfigMap', 'app-hook');
  assert.equal(hook?.metadata.labels?.['team'], undefined, 'hooks are not post-rendered with nohooks');
  assert.equal(hook?.metadata.labels?.['helm.toolkit.fluxcd.io/name'], undefined);
});
