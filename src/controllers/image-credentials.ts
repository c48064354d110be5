// How an ImageRepository's registry is reached, shared by the ImageRepository scan and the ImagePolicy
// digest lookup: registry-transport.ts with image-reflector-controller's AuthenticationFailed wording.
import { ImageReasons, type ImageRepository } from '../api/image-repository.ts';
import type { KubeClient } from '../kube/client.ts';
import { ReconcileFailure } from '../runtime/reconcile/failure.ts';
import { registryAccess, type RegistryAccess } from './registry-transport.ts';

/** What the registry client needs besides the address. */
export type ImageRegistryAccess = RegistryAccess;

/** The credentials and HTTP client for `registry` from the ImageRepository's spec. */
export function imageRegistryAccess(
  client: KubeClient,
  repo: ImageRepository,
  registry: string,
): Promise<ImageRegistryAccess> {
  const fail = (detail: string) =>
    new ReconcileFailure(ImageReasons.AuthenticationFailed, `failed to configure authentication options: ${detail}`);
  // image-reflector-controller's `insecure` only allows plain HTTP: the certificate is always checked.
  return registryAccess(client, repo.metadata.namespace ?? '', repo.spec, {
    registry,
    target: repo.spec.image,
    fail,
  });
}
