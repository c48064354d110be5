import { Finalizer } from '../../api/constants.ts';
import { shouldPruneOnDelete, type Kustomization } from '../../api/kustomization.ts';
import { entryToRef } from '../../apply/inventory.ts';
import { ResourceManager } from '../../apply/apply.ts';
import type { KubeClient } from '../../kube/client.ts';
import type { EventRecorder } from '../../runtime/events.ts';
import { removeFinalizer } from '../../runtime/patch.ts';
import { messageOf } from '../shared.ts';
import { FIELD_MANAGER, ownerLabels } from './steps/apply.ts';
import { formatChangeSet } from '../../apply/changeset.ts';

/**
 * Runs when a Kustomization is deleted: garbage-collects its inventory when the deletion policy
 * says so (never when suspended), then drops the finalizer. A failed prune keeps the finalizer
 * and is retried. Without a `client` (the remote cluster's kubeconfig Secret is gone) the objects
 * cannot be reached: as Flux, the prune is skipped with a Warning event listing them.
 */
export async function finalizeKustomization(opts: {
  ks: Kustomization;
  client: KubeClient | undefined;
  adminClient: KubeClient;
  recorder: EventRecorder;
}): Promise<void> {
  const { ks } = opts;
  const entries = ks.status?.inventory?.entries ?? [];
  if (shouldPruneOnDelete(ks.spec) && entries.length > 0 && opts.client === undefined) {
    const stale = entries.map((e) => e.id).join('\n');
    await opts.recorder
      .record(ks, { type: 'Warning', reason: 'PruneFailed', message: `unable to prune objects: \n${stale}` })
      .catch((err: unknown) => void messageOf(err));
  } else if (shouldPruneOnDelete(ks.spec) && entries.length > 0 && opts.client) {
    const labels = ownerLabels(ks);
    const manager = new ResourceManager({ client: opts.client, fieldManager: FIELD_MANAGER, ownerLabels: labels });
    const result = await manager.prune(entries.map(entryToRef), { ownerLabels: labels });
    if (result.failed.length) {
      throw new Error(
        `failed to garbage-collect ${result.failed.length} object(s) of ${ks.metadata.namespace}/${ks.metadata.name}; will retry`,
      );
    }
    const message = formatChangeSet(result.changeSet);
    if (message)
      await opts.recorder
        .record(ks, { type: 'Normal', reason: 'Progressing', message })
        .catch((err: unknown) => void messageOf(err));
  }
  await removeFinalizer(opts.adminClient, ks, Finalizer);
}
