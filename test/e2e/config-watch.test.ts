// Flux's watch of referenced ConfigMaps and Secrets (`--watch-configs-label-selector`, default
// `reconcile.fluxcd.io/watch=Enabled`), end to end: every object here reconciles once an hour, so only the
// watch can bring a change in at once. Kustomization substituteFrom (ConfigMap and Secret), HelmRelease
// valuesFrom (a change and the deletion of an optional one), and a Receiver's token Secret.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiVersions } from '../../src/api/constants.ts';
import { webhookPath } from '../../src/notify/receivers/webhook-path.ts';
import type { KubeObject } from '../../src/kube/types.ts';
import { gitRepository, ksRef, kustomization, ref, startTestEnv, type TestEnv } from '../support/env.ts';

const ns = 'config-watch';
const watched = { 'reconcile.fluxcd.io/watch': 'Enabled' };
let env: TestEnv;

const cmFile = (name: string, value: string): string =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${ns}\ndata:\n  value: "${value}"\n`;
const files = {
  'a/cm.yaml': cmFile('out-a', '${greeting}-${password}'),
  'b/cm.yaml': cmFile('out-b', '${greeting}'),
  'charts/app/Chart.yaml': 'apiVersion: v2\nname: app\nversion: 0.1.0\n',
  'charts/app/values.yaml': 'message: default\n',
  'charts/app/templates/cm.yaml':
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-config\ndata:\n  message: {{ .Values.message | quote }}\n',
};

const configMap = (name: string, data: Record<string, string>, labels?: Record<string, string>): KubeObject =>
  ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: ns, ...(labels ? { labels } : {}) },
    data,
  }) as KubeObject;
const secret = (name: string, stringData: Record<string, string>): KubeObject =>
  ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: ns, labels: watched },
    stringData,
  }) as KubeObject;

async function valueOf(name: string, key = 'value'): Promise<string | undefined> {
  const cm = await env.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name });
  return (cm?.['data'] as Record<string, string> | undefined)?.[key];
}
const waitValue = (name: string, expected: string, key = 'value'): Promise<string> =>
  env.waitFor(
    () => `ConfigMap ${ns}/${name} ${key}=${expected}`,
    async () => (await valueOf(name, key)) === expected && expected,
    90_000,
  );

before(async () => {
  env = await startTestEnv();
  await env.namespace(ns);
  await env.createRepo('app', files);
  await env.apply(gitRepository(ns, 'app', env.git.repoUrl('app'), { interval: '1h' }));
  await env.apply(configMap('vars-watched', { greeting: 'one' }, watched));
  await env.apply(configMap('vars-plain', { greeting: 'one' }));
  await env.apply(secret('vars-secret', { password: 'p1' }));
  await env.apply(
    kustomization(ns, 'watched', 'app', {
      path: './a',
      interval: '1h',
      postBuild: {
        substituteFrom: [
          { kind: 'ConfigMap', name: 'vars-watched' },
          { kind: 'Secret', name: 'vars-secret' },
        ],
      },
    }),
  );
  await env.apply(
    kustomization(ns, 'plain', 'app', {
      path: './b',
      interval: '1h',
      postBuild: { substituteFrom: [{ kind: 'ConfigMap', name: 'vars-plain' }] },
    }),
  );
  await env.waitForReady(ksRef(ns, 'watched'));
  await env.waitForReady(ksRef(ns, 'plain'));
  assert.equal(await valueOf('out-a'), 'one-p1');
  assert.equal(await valueOf('out-b'), 'one');
});
after(() => env?.stop());

test('a labelled ConfigMap or Secret reconciles its Kustomization at once; an unlabelled one waits for the interval', async () => {
  await env.apply(configMap('vars-plain', { greeting: 'two' }));
  await env.apply(configMap('vars-watched', { greeting: 'two' }, watched));
  await waitValue('out-a', 'two-p1');
  await env.apply(secret('vars-secret', { password: 'p2' }));
  await waitValue('out-a', 'two-p2');
  // Two round trips of the watched pair later, the unlabelled change has still not been applied.
  assert.equal(await valueOf('out-b'), 'one', 'a ConfigMap without the label must not trigger a reconcile');
  // Labelling it brings it into the watch, which reconciles at once.
  await env.apply(configMap('vars-plain', { greeting: 'two' }, watched));
  await waitValue('out-b', 'two');
});

test('a labelled valuesFrom ConfigMap upgrades its HelmRelease at once, and so does deleting an optional one', async () => {
  await env.apply(configMap('app-values', { 'values.yaml': 'message: first\n' }, watched));
  await env.apply({
    apiVersion: ApiVersions.helm,
    kind: 'HelmRelease',
    metadata: { name: 'app', namespace: ns },
    spec: {
      interval: '1h',
      timeout: '2m',
      chart: {
        spec: {
          chart: './charts/app',
          version: '*',
          sourceRef: { kind: 'GitRepository', name: 'app' },
          interval: '1h',
        },
      },
      valuesFrom: [{ kind: 'ConfigMap', name: 'app-values', optional: true }],
    },
  } as KubeObject);
  await env.waitForReady(ref(ApiVersions.helm, 'HelmRelease', ns, 'app'), {}, 180_000);
  assert.equal(await valueOf('app-config', 'message'), 'first');
  await env.apply(configMap('app-values', { 'values.yaml': 'message: second\n' }, watched));
  await waitValue('app-config', 'second', 'message');
  await env.client.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'app-values' });
  await waitValue('app-config', 'default', 'message');
});

test('a new token in a labelled Secret moves the Receiver to its new webhook path at once', async () => {
  const receiverRef = ref('notification.toolkit.fluxcd.io/v1', 'Receiver', ns, 'hook');
  await env.apply(secret('hook-token', { token: 'first-token' }));
  await env.apply({
    apiVersion: 'notification.toolkit.fluxcd.io/v1',
    kind: 'Receiver',
    metadata: { name: 'hook', namespace: ns },
    spec: {
      type: 'generic',
      interval: '1h',
      secretRef: { name: 'hook-token' },
      resources: [{ kind: 'GitRepository', name: 'app' }],
    },
  } as KubeObject);
  const ready = await env.waitForReady(receiverRef);
  assert.equal(ready.status?.['webhookPath'], webhookPath('first-token', 'hook', ns));
  await env.apply(secret('hook-token', { token: 'second-token' }));
  await env.waitFor(
    'Receiver webhookPath from the second token',
    async () => (await env.get(receiverRef))?.status?.['webhookPath'] === webhookPath('second-token', 'hook', ns),
    60_000,
  );
});
