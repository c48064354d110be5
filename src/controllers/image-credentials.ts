// Registry credentials of an ImageRepository (its dockerconfigjson `secretRef`), shared by the ImageRepository
// scan and the ImagePolicy digest lookup, with image-reflector-controller's AuthenticationFailed wording.
import { ImageReasons, type ImageRepository } from '../api/image-repository.ts';
import type { KubeClient } from '../kube/client.ts';
import { ReconcileFailure } from '../runtime/reconcile/failure.ts';
import { credentialsFromDockerConfig, type RegistryCredentials } from '../sources/oci/auth.ts';
import { messageOf, readSecretData } from './shared.ts';

/** The credentials for `registry` from the ImageRepository's `spec.secretRef`; undefined without one. */
export async function imageRepositoryCredentials(
  client: KubeClient,
  repo: ImageRepository,
  registry: string,
): Promise<RegistryCredentials | undefined> {
  const ref = repo.spec.secretRef;
  if (!ref) return undefined;
  const ns = repo.metadata.namespace ?? '';
  const fail = (detail: string) =>
    new ReconcileFailure(ImageReasons.AuthenticationFailed, `failed to configure authentication options: ${detail}`);
  const data = await readSecretData(client, ns, ref.name);
  if (!data)
    throw fail(`secret '${ns}/${ref.name}' not found; create it with \`kubectl create secret docker-registry\``);
  const json = data['.dockerconfigjson'];
  if (json === undefined)
    throw fail(
      `secret '${ns}/${ref.name}' has no '.dockerconfigjson' key; it must be of type kubernetes.io/dockerconfigjson`,
    );
  try {
    return credentialsFromDockerConfig(json, registry);
  } catch (err) {
    throw fail(`secret '${ns}/${ref.name}': ${messageOf(err)}`);
  }
}
