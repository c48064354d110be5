// Chart dependencies from http(s) repositories, as source-controller's dependency manager gets them: through
// the namespace's HelmRepository with that URL (its stored index, its credentials), else anonymously.
import { readFile } from 'node:fs/promises';
import { ConditionTypes } from '../../api/constants.ts';
import { helmRepositoryTimeoutMs, isOciHelmRepository, type HelmRepository } from '../../api/helm-repository.ts';
import type { ArtifactStorage } from '../../artifacts/storage.ts';
import type { KubeClient } from '../../kube/client.ts';
import { getCondition } from '../../runtime/conditions.ts';
import type { Informer } from '../../runtime/informer.ts';
import { readRepositoryAuth } from '../../sources/helm-repository/auth.ts';
import type { RemoteDependency } from '../../sources/helm-repository/build.ts';
import { httpGet } from '../../sources/helm-repository/http-get.ts';
import {
  HelmLimits,
  indexUrlOf,
  normalizeRepositoryUrl,
  parseIndex,
  resolveChartUrl,
  selectChartVersion,
} from '../../sources/helm-repository/repo-index.ts';
import { readSecretData } from '../shared.ts';

/** Index of HelmRepositories by `<namespace>/<url without trailing slash>`, for chart dependencies. */
export const BY_REPOSITORY_URL = 'url';
/** The BY_REPOSITORY_URL value of a HelmRepository. */
export const repositoryUrlKey = (namespace: string, url: string): string =>
  `${namespace}/${normalizeRepositoryUrl(url)}`;

/** Where a dependency is looked up: the HelmChart's namespace and the engine's sources. */
export interface DependencyLookup {
  sources: ReadonlyMap<string, Informer>;
  storage: ArtifactStorage;
  client: KubeClient;
  namespace: string;
  signal: AbortSignal;
}

/** The packaged chart of `dep`. Several HelmRepositories may share its URL: those with an index, Ready first, by name. */
export async function fetchChartDependency(o: DependencyLookup, dep: RemoteDependency): Promise<Buffer> {
  const ns = o.namespace;
  const repos = o.sources.get('HelmRepository');
  const candidates = (repos?.keysByIndex(BY_REPOSITORY_URL, repositoryUrlKey(ns, dep.repository)) ?? [])
    .sort()
    .map((key) => repos?.get(key) as HelmRepository | undefined)
    .filter((r): r is HelmRepository => !!r && !isOciHelmRepository(r.spec) && !!r.status?.artifact);
  const isReady = (r: HelmRepository): boolean =>
    getCondition(r.status as never, ConditionTypes.Ready)?.status === 'True';
  const known = candidates.find(isReady) ?? candidates[0];
  const timeoutMs = known ? helmRepositoryTimeoutMs(known.spec) : 60_000;
  const index = known
    ? parseIndex(await readFile(o.storage.localPath(known.status!.artifact!.path)))
    : parseIndex(
        await httpGet(indexUrlOf(dep.repository), {
          timeoutMs,
          maxBytes: HelmLimits.maxIndexBytes,
          what: 'index',
          signal: o.signal,
        }),
      );
  const auth = known
    ? await readRepositoryAuth(ns, known.spec, (n, name) => readSecretData(o.client, n, name))
    : undefined;
  const cv = selectChartVersion(index, dep.name, dep.version);
  const ref = cv.urls?.[0];
  if (!ref) throw new Error(`chart '${cv.name}' has no downloadable URLs`);
  const repositoryUrl = known?.spec.url ?? dep.repository;
  return httpGet(resolveChartUrl(repositoryUrl, ref), {
    ...(auth ? { auth } : {}),
    ...(known?.spec.passCredentials ? {} : { credentialsOrigin: new URL(repositoryUrl).origin }),
    timeoutMs,
    maxBytes: HelmLimits.maxChartBytes,
    what: 'chart',
    signal: o.signal,
  });
}
