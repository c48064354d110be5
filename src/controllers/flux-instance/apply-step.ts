// The apply library as a FluxInstance uses it: the Flux Operator's field manager and owner labels.
import { FluxInstanceLabels, type FluxInstance } from '../../api/flux-instance.ts';
import { ResourceManager } from '../../apply/apply.ts';
import { defaultCleanup } from '../../apply/cleanup.ts';
import type { KubeClient } from '../../kube/client.ts';

/** Field manager of everything a FluxInstance applies: the Flux Operator's, so either can take the objects over. */
export const FIELD_MANAGER = 'flux-operator';

/** The owner labels on every generated object; prune deletes only objects that still carry them. */
export function instanceOwnerLabels(instance: Pick<FluxInstance, 'metadata'>): Record<string, string> {
  return {
    [FluxInstanceLabels.name]: instance.metadata.name,
    [FluxInstanceLabels.namespace]: instance.metadata.namespace ?? '',
  };
}

/** The apply/prune library set up for one instance (fields of the `flux` CLI's bootstrap are taken over). */
export function instanceResourceManager(client: KubeClient, instance: Pick<FluxInstance, 'metadata'>): ResourceManager {
  return new ResourceManager({
    client,
    fieldManager: FIELD_MANAGER,
    ownerLabels: instanceOwnerLabels(instance),
    cleanup: defaultCleanup(FIELD_MANAGER, ['flux']),
  });
}
