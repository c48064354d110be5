// `driftless diff helmrelease <name>`: what an upgrade of the HelmRelease as it stands in the cluster would
// change. The chart is the artifact of its HelmChart, the values are composed as the reconciler composes
// them, the real helm binary renders the release with `upgrade --install --dry-run=server` (lookups and
// capabilities from the cluster), and each object is dry-run applied server-side with helm-controller's
// field manager against the live one. Objects of the current release that the new one lacks would be deleted.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApiVersions, ControllerNames, Kinds } from '../api/constants.ts';
import {
  actionTimeoutMs,
  helmChartRefOf,
  helmReleaseName,
  maxHistory,
  releaseNamespaceOf,
  storageNamespaceOf,
  type HelmRelease,
} from '../api/helm-release.ts';
import type { DriftEntry } from '../apply/apply.ts';
import { HelmCli } from '../helm/cli.ts';
import { helmMetadata, manifestObjects, withHelmMetadata } from '../helm/manifest.ts';
import { postRenderOf } from '../helm/post-render.ts';
import { ReleaseStorage } from '../helm/release-storage.ts';
import { resolveValues } from '../helm/values-from.ts';
import type { KubeClient } from '../kube/client.ts';
import { RemoteClusters, type RemoteCluster } from '../controllers/remote-cluster.ts';
import type { KubeObject, ObjectRef } from '../kube/types.ts';
import { CliError, ExitCodes } from './errors.ts';

const refuse = (reason: string, message: string): CliError =>
  new CliError({ reason, message, exitCode: ExitCodes.diffError });

const refOf = (o: KubeObject): ObjectRef => ({
  apiVersion: o.apiVersion,
  kind: o.kind,
  ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}),
  name: o.metadata.name,
});
/** Group, kind, namespace and name: an object's identity across API versions. */
const keyOf = (r: ObjectRef): string =>
  `${r.apiVersion.includes('/') ? r.apiVersion.split('/')[0] : ''}/${r.kind}/${r.namespace ?? ''}/${r.name}`;

/** The chart archive of the HelmRelease's HelmChart (template or chartRef), written to `dir`. */
async function fetchChart(client: KubeClient, hr: HelmRelease, dir: string, signal: AbortSignal): Promise<string> {
  if (hr.spec.chartRef && hr.spec.chartRef.kind !== Kinds.HelmChart) {
    throw refuse('NotSupported', `diff of a chartRef to ${hr.spec.chartRef.kind} is not supported: use a HelmChart`);
  }
  const ref = helmChartRefOf(hr);
  const chart = await client.get<KubeObject & { status?: { artifact?: { url?: string } } }>({
    apiVersion: ApiVersions.source,
    kind: Kinds.HelmChart,
    ...ref,
  });
  const url = chart?.status?.artifact?.url;
  if (!url) throw refuse('ChartNotReady', `HelmChart ${ref.namespace}/${ref.name} has no artifact yet`);
  const res = await fetch(url, { signal });
  if (!res.ok) throw refuse('ArtifactFailed', `fetching the chart artifact ${url}: HTTP ${res.status}`);
  const file = path.join(dir, 'chart.tgz');
  await writeFile(file, Buffer.from(await res.arrayBuffer()));
  return file;
}

/** What an upgrade of HelmRelease `namespace/name` would change: dry-run entries and objects it would delete. */
export async function helmReleaseDiff(o: {
  client: KubeClient;
  kubeconfig?: string;
  helmBin: string;
  namespace: string;
  name: string;
  signal: AbortSignal;
}): Promise<{ entries: DriftEntry[]; stale: ObjectRef[] }> {
  const { client, signal } = o;
  const hr = await client.get<HelmRelease>({
    apiVersion: ApiVersions.helm,
    kind: Kinds.HelmRelease,
    namespace: o.namespace,
    name: o.name,
  });
  if (!hr) throw refuse('NotFound', `HelmRelease object '${o.name}' not found in "${o.namespace}" namespace`);
  const release = helmReleaseName(hr);
  const namespace = releaseNamespaceOf(hr);
  const storageNamespace = storageNamespaceOf(hr);
  // spec.kubeConfig: rendered, compared and read from storage in that cluster; chart and values stay here.
  let remote: RemoteCluster | undefined;
  try {
    // The CLI mints tokens as its user, whose RBAC decides: no controller-side gate applies.
    remote = await new RemoteClusters(client, { objectLevelWorkloadIdentity: true }).clusterFor(hr);
  } catch (err) {
    throw refuse('RESTClientError', err instanceof Error ? err.message : String(err));
  }
  const target = remote?.client ?? client;
  const dir = await mkdtemp(path.join(tmpdir(), 'driftless-diff-hr-'));
  const cli = new HelmCli({ bin: o.helmBin, ...(o.kubeconfig ? { kubeconfig: o.kubeconfig } : {}) });
  try {
    const chartPath = await fetchChart(client, hr, dir, signal);
    const values = await resolveValues(client, hr);
    const manifest = await cli.dryRunUpgrade({
      release,
      chartPath,
      values,
      namespace,
      storageNamespace,
      timeoutMs: actionTimeoutMs(hr.spec, 'upgrade'),
      wait: 'hookOnly',
      waitForJobs: false,
      maxHistory: maxHistory(hr.spec),
      postRender: postRenderOf(hr),
      ...(remote ? { remoteKubeConfig: remote.kubeConfig } : {}),
      signal,
    });
    const meta = helmMetadata(release, namespace);
    const objects = withHelmMetadata(await manifestObjects(target, manifest, namespace), release, namespace);
    const { ResourceManager } = await import('../apply/apply.ts');
    const manager = new ResourceManager({
      client: target,
      fieldManager: ControllerNames.helm,
      ownerLabels: meta.labels,
    });
    const entries = await manager.diff(objects, { signal });
    const current = await new ReleaseStorage(target, storageNamespace).last(release);
    const wanted = new Set(objects.map((obj) => keyOf(refOf(obj))));
    const stale = (current?.manifest ? await manifestObjects(target, current.manifest, namespace) : [])
      .map(refOf)
      .filter((r) => !wanted.has(keyOf(r)));
    return { entries, stale };
  } finally {
    await cli.close();
    await rm(dir, { recursive: true, force: true });
  }
}
