// A Helm release handed over between Driftless and Flux's own helm-controller, both ways, on one control
// plane, without an upgrade: the engine that takes over accepts the other's status.history snapshots and
// leaves Helm's storage as it found it (same revisions, nothing written). Flux's side is the real
// helm-controller (scripts/provision.sh builds it as `flux-helm-controller`) beside a Driftless process
// running only the source reconcilers, which serve it the chart artifacts. Each way hands over two releases:
// one from an HTTP chart repository (the real `helm package` and `helm repo index`, served by this test)
// with post-renderers and common metadata, one from an OCIRepository (the real `helm push` to a real
// registry), whose snapshots carry the artifact digest. The spec changes (a new generation) while neither
// engine runs, so the taker also compares the post-renderer and common-metadata digests it was handed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { access, constants, mkdir, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { homedir } from 'node:os';
import path from 'node:path';
import { ApiVersions } from '../../src/api/constants.ts';
import type { KubeObject } from '../../src/kube/types.ts';
import type { RunningEngine } from '../../src/main.ts';
import { ref, startTestEnv, type TestEnv } from '../support/env.ts';
import { startTestRegistry, type TestRegistry } from '../support/oci-registry.ts';
import {
  fluxHelmControllerBin,
  startFluxHelmController,
  type FluxHelmController,
} from '../support/flux-helm-controller.ts';

const binDir = process.env['DRIFTLESS_TEST_BIN_DIR'] ?? path.join(homedir(), '.cache', 'driftless', 'bin');
const helmBin = path.join(binDir, 'helm');
// A chart of this test's own: a ConfigMap and a pre-install/pre-upgrade hook (hooks are part of the snapshot
// digest). No chart version in a label: from an OCIRepository the version carries `+<digest>`.
const chartFiles: Record<string, string> = {
  'Chart.yaml': 'apiVersion: v2\nname: hello\nversion: 0.1.0\nappVersion: "1.0.0"\n',
  'values.yaml': 'greeting: hello\nreplicas: 1\n',
  'templates/configmap.yaml': [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    '  name: {{ .Release.Name }}-hello',
    'data:',
    '  greeting: {{ .Values.greeting | quote }}',
    '  replicas: {{ .Values.replicas | quote }}',
    '',
  ].join('\n'),
  'templates/hook.yaml': [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    '  name: {{ .Release.Name }}-hook',
    '  annotations:',
    '    helm.sh/hook: pre-install,pre-upgrade',
    '    helm.sh/hook-delete-policy: before-hook-creation',
    '',
  ].join('\n'),
};
const ns = 'hr-handover';

let env: TestEnv;
let server: http.Server;
let registry: TestRegistry;
let home: string;

type Cond = { type: string; status: string; reason: string; message: string };
type HrStatus = {
  conditions?: Cond[];
  history?: Record<string, unknown>[];
  observedGeneration?: number;
  lastAttemptedRevision?: string;
  lastAttemptedConfigDigest?: string;
  lastHandledReconcileAt?: string;
};
type HelmRevision = { revision: number; status: string; chart: string; app_version: string; updated: string };

const hrRef = (name: string) => ref(ApiVersions.helm, 'HelmRelease', ns, name);
/** The two releases of a hand-over: `<prefix>-http` (HelmRepository, post-rendered) and `<prefix>-oci`. */
const releaseNames = (prefix: string): string[] => [`${prefix}-http`, `${prefix}-oci`];
const helmRelease = (name: string, interval = '10m'): KubeObject => ({
  apiVersion: ApiVersions.helm,
  kind: 'HelmRelease',
  metadata: { name, namespace: ns },
  spec: {
    interval,
    timeout: '2m',
    ...(name.endsWith('-oci')
      ? { chartRef: { kind: 'OCIRepository', name: 'hello' } }
      : {
          chart: {
            spec: {
              chart: 'hello',
              version: '0.1.0',
              sourceRef: { kind: 'HelmRepository', name: 'charts' },
              interval: '10m',
            },
          },
          postRenderers: [
            {
              kustomize: {
                patches: [
                  {
                    target: { kind: 'ConfigMap' },
                    patch: '- op: add\n  path: /metadata/annotations\n  value: {post-rendered: "yes"}\n',
                  },
                ],
              },
            },
          ],
          commonMetadata: { labels: { team: 'handover' }, annotations: { note: 'a & b' } },
        }),
    values: { greeting: `hello from ${name}`, replicas: 3 },
  },
});

const condition = (s: HrStatus, type: string): Cond | undefined => s.conditions?.find((c) => c.type === type);

function helm(args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      helmBin,
      [...args, '--kubeconfig', env.kubeconfigPath, '--namespace', ns],
      { timeout: 60_000, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home } },
      (err, stdout, stderr) => (err ? reject(new Error(`helm ${args.join(' ')}: ${stderr}`)) : resolve(stdout)),
    ),
  );
}
const helmHistory = async (name: string): Promise<HelmRevision[]> =>
  JSON.parse(await helm(['history', name, '-o', 'json'])) as HelmRevision[];

/** Helm's release Secrets of `name`: name, version and status labels, and resourceVersion (any write moves it). */
async function releaseSecrets(name: string): Promise<string[]> {
  const list = await env.client.list('v1', 'Secret', { namespace: ns, labelSelector: `owner=helm,name=${name}` });
  return list.items
    .map((s) => {
      const l = s.metadata.labels ?? {};
      return `${s.metadata.name} v${l['version']} ${l['status']} rv=${s.metadata.resourceVersion}`;
    })
    .sort();
}

/** What the engine that takes over must leave as it is. */
const releaseState = async (name: string) => ({
  history: await helmHistory(name),
  secrets: await releaseSecrets(name),
});

/**
 * Asks for a reconcile (reconcile.fluxcd.io/requestedAt) and waits until it is handled with Ready=True and
 * observedGeneration current; `describe` adds the running engine's log to a timeout.
 */
async function reconciled(name: string, describe: () => string = () => ''): Promise<HrStatus> {
  const token = `handover-${Date.now()}`;
  await env.client.patch(hrRef(name), { metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': token } } });
  let last: HrStatus = {};
  return await env.waitFor(
    () => `HelmRelease ${name} to handle ${token} Ready (last: ${JSON.stringify(last)})${describe()}`,
    async () => {
      const hr = await env.get(hrRef(name));
      last = (hr?.status ?? {}) as HrStatus;
      const ok =
        last.lastHandledReconcileAt === token &&
        condition(last, 'Ready')?.status === 'True' &&
        last.observedGeneration === hr?.metadata.generation;
      return ok ? last : undefined;
    },
    180_000,
  );
}

/** Managers that wrote the HelmRelease's status (Flux's helm-controller patches as `helm-controller`). */
async function statusManagers(name: string): Promise<string[]> {
  const hr = await env.get(hrRef(name));
  const fields = (hr?.metadata as { managedFields?: { manager: string; subresource?: string }[] }).managedFields;
  return (fields ?? []).filter((f) => f.subresource === 'status').map((f) => f.manager);
}

/**
 * Driftless with only its source reconcilers, once its storage serves every chart artifact of the namespace
 * (a new engine has a new storage address: Flux must not be handed the stopped one's URLs).
 */
async function startSourcesOnly(): Promise<RunningEngine> {
  const sources = await env.startEngine({ controllers: ['source-controller'] });
  for (const kind of ['HelmChart', 'OCIRepository']) {
    const { items } = await env.client.list(ApiVersions.source, kind, { namespace: ns });
    for (const item of items)
      await env.waitFor(
        `${kind} ${item.metadata.name} served by the new engine`,
        async () => {
          const obj = await env.get(ref(ApiVersions.source, kind, ns, item.metadata.name));
          const url = (obj?.status as { artifact?: { url?: string } } | undefined)?.artifact?.url;
          if (!url?.startsWith(sources.storageUrl)) return false;
          const res = await fetch(url);
          await res.body?.cancel();
          return res.ok;
        },
        120_000,
      );
  }
  return sources;
}

/** Installs the releases of `prefix` and waits until each is Ready; returns their status and Helm state. */
async function install(prefix: string) {
  const installed = new Map<string, { status: HrStatus; state: Awaited<ReturnType<typeof releaseState>> }>();
  for (const name of releaseNames(prefix)) await env.apply(helmRelease(name));
  for (const name of releaseNames(prefix)) {
    await env.waitForReady(hrRef(name), { reason: 'InstallSucceeded' }, 180_000);
    const state = await releaseState(name);
    assert.deepEqual(
      state.history.map((r) => [r.revision, r.status]),
      [[1, 'deployed']],
    );
    installed.set(name, { status: (await env.get(hrRef(name)))?.status as HrStatus, state });
  }
  return installed;
}

/** Reconciles each release on request and checks that nothing was released: the snapshot and storage as handed over. */
async function assertTakenOver(installed: Awaited<ReturnType<typeof install>>, describe?: () => string): Promise<void> {
  for (const [name, was] of installed) {
    // A new generation while nobody ran: the taker also compares the observed post-render digests.
    await env.apply(helmRelease(name, '11m'));
    const s = await reconciled(name, describe);
    assert.equal(s.lastAttemptedRevision, was.status.lastAttemptedRevision, name);
    assert.equal(s.lastAttemptedConfigDigest, was.status.lastAttemptedConfigDigest, name);
    assert.equal(s.history?.length, 1, name);
    assert.deepEqual(s.history?.[0], was.status.history?.[0], `${name}: the snapshot handed over is kept`);
    assert.deepEqual(await releaseState(name), was.state, `${name}: no new Helm revision, storage untouched`);
  }
}

let flux: FluxHelmController | undefined;
/** Every Flux helm-controller started, stopped in after() whatever a test left running. */
const started: FluxHelmController[] = [];
async function startFlux(): Promise<FluxHelmController> {
  const logFile = path.join(env.tmp, `flux-helm-controller-${started.length + 1}.log`);
  const c = await startFluxHelmController({ kubeconfig: env.kubeconfigPath, logFile });
  started.push(c);
  return c;
}
/** The last lines of Flux's log that are not debug chatter, for a failure message. */
const fluxLog = (): string => {
  if (!flux) return '';
  const lines = readFileSync(flux.logFile, 'utf8')
    .split('\n')
    .filter((l) => !l.includes('"level":"debug"') || l.includes('state'));
  return `\nFlux's helm-controller log:\n${lines.slice(-15).join('\n')}`;
};

before(async () => {
  await access(helmBin, constants.X_OK).catch(() => {
    throw new Error(`${helmBin} not found; run scripts/provision.sh helm`);
  });
  await fluxHelmControllerBin();
  env = await startTestEnv({ engine: false });
  home = path.join(env.tmp, 'home');
  await mkdir(home, { recursive: true });
  await env.namespace(ns);
  // The chart repository: the chart packaged and indexed by the real helm, served without auth.
  const chartDir = path.join(env.tmp, 'chart', 'hello');
  for (const [file, text] of Object.entries(chartFiles)) {
    await mkdir(path.dirname(path.join(chartDir, file)), { recursive: true });
    await writeFile(path.join(chartDir, file), text);
  }
  const repoDir = path.join(env.tmp, 'charts');
  await mkdir(repoDir, { recursive: true });
  await helm(['package', chartDir, '-d', repoDir]);
  await helm(['repo', 'index', repoDir]);
  server = http.createServer((req, res) => {
    const file = path.basename(new URL(req.url ?? '/', 'http://x').pathname);
    void readFile(path.join(repoDir, file)).then(
      (body) => res.end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await env.apply({
    apiVersion: ApiVersions.source,
    kind: 'HelmRepository',
    metadata: { name: 'charts', namespace: ns },
    spec: { url: `http://127.0.0.1:${port}/`, interval: '10m' },
  });
  // The same chart pushed to a registry, selected by an OCIRepository (chartRef).
  registry = await startTestRegistry();
  await helm(['push', path.join(repoDir, 'hello-0.1.0.tgz'), `oci://${registry.host}/charts`, '--plain-http']);
  await env.apply({
    apiVersion: ApiVersions.source,
    kind: 'OCIRepository',
    metadata: { name: 'hello', namespace: ns },
    spec: {
      url: `oci://${registry.host}/charts/hello`,
      ref: { tag: '0.1.0' },
      interval: '10m',
      layerSelector: { mediaType: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip', operation: 'copy' },
    },
  });
});
after(async () => {
  for (const c of started) await c.stop();
  await env?.stop();
  await registry?.stop();
  await new Promise((resolve) => server?.close(resolve));
});

test('releases Driftless installed are taken over by Flux’s helm-controller without an upgrade', async () => {
  const driftless = await env.startEngine();
  const installed = await install('dl');
  await driftless.stop();

  const sources = await startSourcesOnly();
  flux = await startFlux();
  await assertTakenOver(installed, fluxLog);
  for (const name of installed.keys())
    assert.ok((await statusManagers(name)).includes('helm-controller'), `Flux wrote the status of ${name}`);

  await flux.stop();
  flux = undefined;
  await sources.stop();
});

test('releases Flux’s helm-controller installed are taken over by Driftless without an upgrade', async () => {
  const sources = await startSourcesOnly();
  flux = await startFlux();
  const installed = await install('flux');
  await flux.stop();
  flux = undefined;
  await sources.stop();

  await env.startEngine();
  await assertTakenOver(installed);
});
