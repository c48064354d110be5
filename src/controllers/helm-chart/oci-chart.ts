// Charts from a HelmRepository of type oci, as source-controller's OCI chart repository serves them: the
// chart is the repository `<url>/<chart>`, its versions are the tags (`_` standing for `+`, as helm push
// spells them), and a version is the Helm chart layer of that tag's manifest. The tags become an index so
// that version selection, values files and packaging are the HTTP repository's own.
import { ConditionTypes, SourceReasons } from '../../api/constants.ts';
import { helmRepositoryTimeoutMs, type HelmRepository } from '../../api/helm-repository.ts';
import { ReconcileFailure } from '../../runtime/reconcile/failure.ts';
import type { KubeClient } from '../../kube/client.ts';
import { readSecretData, messageOf } from '../shared.ts';
import { registryAccess } from '../registry-transport.ts';
import { HelmLimits, type RepositoryIndex } from '../../sources/helm-repository/repo-index.ts';
import type { RegistryCredentials } from '../../sources/oci/auth.ts';
import { RegistryClient } from '../../sources/oci/client.ts';
import { parseManifest, selectIndexManifest, selectLayer } from '../../sources/oci/manifest.ts';
import { parseOciUrl } from '../../sources/oci/reference.ts';

/** The media type of a Helm chart's content layer (helm push). */
export const HelmChartLayerMediaType = 'application/vnd.cncf.helm.chart.content.v1.tar+gzip';

/** An index of one chart from its tags: versions with `_` read as `+`, each URL `oci://…/<chart>:<tag>`. */
export function ociChartIndex(repositoryUrl: string, chart: string, tags: readonly string[]): RepositoryIndex {
  const base = `${repositoryUrl.replace(/\/+$/, '')}/${chart}`;
  return {
    apiVersion: 'v1',
    entries: {
      [chart]: tags.map((tag) => ({ name: chart, version: tag.replaceAll('_', '+'), urls: [`${base}:${tag}`] })),
    },
  };
}

/** The tag of a chart URL `oci://host[:port]/path/chart:tag`. */
export const tagOfChartUrl = (url: string): string => url.slice(url.lastIndexOf('/') + 1).split(':')[1] ?? '';

/** The registry and its credentials for `chart` of an OCI HelmRepository, from its secretRef and certSecretRef. */
export async function ociChartClient(opts: {
  client: KubeClient;
  repo: HelmRepository;
  chart: string;
  signal: AbortSignal;
}): Promise<RegistryClient> {
  const { repo } = opts;
  const ns = repo.metadata.namespace ?? '';
  const fail = (detail: string): Error =>
    new ReconcileFailure(SourceReasons.AuthenticationFailed, detail, {
      conditions: [{ type: ConditionTypes.FetchFailed, status: 'True' }],
    });
  let address;
  try {
    address = parseOciUrl(`${repo.spec.url.replace(/\/+$/, '')}/${opts.chart}`);
  } catch (err) {
    throw new ReconcileFailure(SourceReasons.URLInvalid, `invalid OCI registry URL: ${messageOf(err)}`, {
      stalled: true,
    });
  }
  let credentials: RegistryCredentials | undefined;
  let dockerConfigSecret: { name: string } | undefined;
  const secretName = repo.spec.secretRef?.name;
  if (secretName) {
    const data = await readSecretData(opts.client, ns, secretName);
    if (!data) throw fail(`failed to get secret '${ns}/${secretName}': secret not found`);
    if (data['.dockerconfigjson'] !== undefined) {
      dockerConfigSecret = { name: secretName };
    } else if (data['username'] !== undefined && data['password'] !== undefined) {
      credentials = { username: data['username'], password: data['password'] };
    } else {
      throw fail(`secret '${ns}/${secretName}': neither '.dockerconfigjson' nor 'username' and 'password' found`);
    }
  }
  const access = await registryAccess(
    opts.client,
    ns,
    { secretRef: dockerConfigSecret, certSecretRef: repo.spec.certSecretRef },
    { registry: address.registry, target: repo.spec.url, fail },
  );
  credentials ??= access.credentials;
  const fetch = access.fetch;
  return new RegistryClient({
    registry: address.registry,
    repository: address.repository,
    insecure: repo.spec.insecure === true,
    ...(credentials ? { credentials } : {}),
    ...(fetch ? { fetch } : {}),
    // Every registry call of the reconcile is bounded by the repository's timeout (default 60s).
    signal: AbortSignal.any([opts.signal, AbortSignal.timeout(helmRepositoryTimeoutMs(repo.spec))]),
  });
}

/** The chart archive of a tag: the Helm chart layer of its manifest (an index's linux/amd64 or first entry). */
export async function pullOciChart(rc: RegistryClient, tag: string): Promise<Buffer> {
  let fetched = await rc.manifest(tag);
  let parsed = parseManifest(fetched.body, fetched.mediaType);
  if (parsed.kind === 'index') {
    fetched = await rc.manifest(selectIndexManifest(parsed.index).digest);
    parsed = parseManifest(fetched.body, fetched.mediaType);
  }
  if (parsed.kind !== 'manifest') throw new Error(`tag '${tag}' is a nested image index`);
  return await rc.blob(selectLayer(parsed.manifest, HelmChartLayerMediaType), HelmLimits.maxChartBytes);
}
