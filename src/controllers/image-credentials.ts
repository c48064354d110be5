// How an ImageRepository's registry is reached, shared by the ImageRepository scan and the ImagePolicy
// digest lookup: the pull secrets (`secretRef`, then the `imagePullSecrets` of `serviceAccountName`), the
// `certSecretRef` CA and client certificate and the `proxySecretRef` proxy, with image-reflector-controller's
// AuthenticationFailed wording.
import { ImageReasons, type ImageRepository } from '../api/image-repository.ts';
import type { KubeClient } from '../kube/client.ts';
import { ReconcileFailure } from '../runtime/reconcile/failure.ts';
import type { RegistryCredentials } from '../sources/oci/auth.ts';
import type { NodeFetch } from '../util/http-transport.ts';
import { pullSecretCredentials, registryTransport } from './registry-access.ts';

/** What the registry client needs besides the address. */
export interface ImageRegistryAccess {
  credentials?: RegistryCredentials;
  fetch?: NodeFetch;
}

/** The credentials and HTTP client for `registry` from the ImageRepository's spec. */
export async function imageRegistryAccess(
  client: KubeClient,
  repo: ImageRepository,
  registry: string,
): Promise<ImageRegistryAccess> {
  const ns = repo.metadata.namespace ?? '';
  const fail = (detail: string) =>
    new ReconcileFailure(ImageReasons.AuthenticationFailed, `failed to configure authentication options: ${detail}`);
  const fetch = await registryTransport(client, ns, repo.spec, fail);
  const credentials = await pullSecretCredentials(client, ns, repo.spec, registry, fail);
  return { ...(credentials ? { credentials } : {}), ...(fetch ? { fetch } : {}) };
}
