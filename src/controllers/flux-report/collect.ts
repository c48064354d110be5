// Thin readers of the cluster for the report: each is one or two API calls, no computation.
import { Groups, Kinds } from '../../api/constants.ts';
import { CrdPartOfLabel } from '../../api/crd.ts';
import type { ClusterInfo, FluxDistributionStatus } from '../../api/flux-report.ts';
import type { KubeClient } from '../../kube/client.ts';
import { KubeApiError } from '../../kube/errors.ts';
import type { KubeObject } from '../../kube/types.ts';
import { stringAt } from './compute/flux-object.ts';
import { syncName } from './compute/sync.ts';

/** A Flux kind served in the cluster, at the version its CRD stores. */
export interface ServedKind {
  apiVersion: string;
  kind: string;
}

type Crd = KubeObject & {
  spec: { group: string; names: { kind: string }; versions?: { name: string; storage?: boolean }[] };
  status?: { storedVersions?: string[] };
};

const CRD_API = 'apiextensions.k8s.io/v1';

/**
 * `spec.distribution`: Installed when the GitRepository CRD exists (then version = Driftless's and
 * managedBy = `driftless`), else Not Installed. Driftless has no entitlement, so it reads Unknown,
 * the Flux Operator's value before an entitlement is issued.
 */
export async function readDistribution(client: KubeClient, version: string): Promise<FluxDistributionStatus> {
  const crd = await client.get(
    { apiVersion: CRD_API, kind: 'CustomResourceDefinition', name: `gitrepositories.${Groups.source}` },
    { metadataOnly: true },
  );
  if (!crd) return { entitlement: 'Unknown', status: 'Not Installed' };
  return { entitlement: 'Unknown', status: 'Installed', version, managedBy: 'driftless' };
}

/** `spec.cluster`: the API server's `/version` (gitVersion, platform) and the number of Nodes (metadata-only list). */
export async function readCluster(client: KubeClient): Promise<ClusterInfo> {
  const version = await client.transport.send<{ gitVersion?: string; platform?: string }>({
    method: 'GET',
    path: '/version',
    timeoutMs: 30_000,
  });
  const nodes = await client.list('v1', 'Node', { metadataOnly: true });
  return {
    serverVersion: version.gitVersion ?? 'unknown',
    platform: version.platform ?? 'unknown',
    nodes: nodes.items.length,
  };
}

/**
 * The Flux kinds served: CRDs labelled `app.kubernetes.io/part-of=flux`, each at the last of its
 * `status.storedVersions` (the storage version when none is recorded yet), FluxReport itself left
 * out, sorted by apiVersion then kind.
 */
export async function listServedFluxKinds(client: KubeClient): Promise<ServedKind[]> {
  const crds = await client.list<Crd>(CRD_API, 'CustomResourceDefinition', { labelSelector: `${CrdPartOfLabel}=flux` });
  const kinds: ServedKind[] = [];
  for (const crd of crds.items) {
    const version = crd.status?.storedVersions?.at(-1) ?? crd.spec.versions?.find((v) => v.storage)?.name;
    if (!version || crd.spec.names.kind === 'FluxReport') continue;
    kinds.push({ apiVersion: `${crd.spec.group}/${version}`, kind: crd.spec.names.kind });
  }
  return kinds.sort((a, b) =>
    a.apiVersion + a.kind < b.apiVersion + b.kind ? -1 : a.apiVersion + a.kind > b.apiVersion + b.kind ? 1 : 0,
  );
}

/** The first container image of Deployment `namespace/name`, or undefined when there is no such Deployment. */
export async function readDeploymentImage(
  client: KubeClient,
  namespace: string,
  name: string,
): Promise<string | undefined> {
  const deployment = await client.get<
    KubeObject & { spec?: { template?: { spec?: { containers?: { image?: string }[] } } } }
  >({ apiVersion: 'apps/v1', kind: 'Deployment', namespace, name });
  return deployment?.spec?.template?.spec?.containers?.[0]?.image;
}

/**
 * The sync Kustomization (named by {@link syncName}) and its source. The source is found by the
 * Kustomization's own `spec.sourceRef` (name and namespace), not by the sync name as the Flux
 * Operator does: with bootstrap naming both agree, and otherwise the sourceRef is the one applied.
 */
export async function readSyncObjects(
  client: KubeClient,
  namespace: string,
  served: readonly ServedKind[],
): Promise<{ name: string; kustomization?: KubeObject; source?: KubeObject }> {
  const instanceKind = served.find((k) => k.kind === 'FluxInstance');
  const instances = instanceKind
    ? (await client.list(instanceKind.apiVersion, 'FluxInstance', { namespace })).items
    : [];
  const name = syncName(namespace, instances);
  const apiVersionOf = (kind: string, fallback: string): string =>
    served.find((k) => k.kind === kind)?.apiVersion ?? fallback;
  const kustomization = await getIfServed(client, {
    apiVersion: apiVersionOf(Kinds.Kustomization, `${Groups.kustomize}/v1`),
    kind: Kinds.Kustomization,
    namespace,
    name,
  });
  if (!kustomization) return { name };
  const kind = stringAt(kustomization, 'spec.sourceRef.kind') ?? Kinds.GitRepository;
  const source = await getIfServed(client, {
    apiVersion: stringAt(kustomization, 'spec.sourceRef.apiVersion') || apiVersionOf(kind, `${Groups.source}/v1`),
    kind,
    namespace: stringAt(kustomization, 'spec.sourceRef.namespace') || namespace,
    name: stringAt(kustomization, 'spec.sourceRef.name') ?? name,
  });
  return source ? { name, kustomization, source } : { name, kustomization };
}

// A kind that is not served has no objects; anything else (RBAC, network) is a real error.
async function getIfServed(
  client: KubeClient,
  ref: { apiVersion: string; kind: string; namespace: string; name: string },
): Promise<KubeObject | undefined> {
  try {
    return await client.get(ref);
  } catch (err) {
    if (err instanceof KubeApiError && err.reason === 'NoKindMatch') return undefined;
    throw err;
  }
}
