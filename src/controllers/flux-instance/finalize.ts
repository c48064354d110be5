// Deleting a FluxInstance: remove what it generated, keep what the generated Kustomizations applied.
import { Kinds } from '../../api/constants.ts';
import { FluxInstanceFinalizer, type FluxInstance } from '../../api/flux-instance.ts';
import { formatChangeSet } from '../../apply/changeset.ts';
import { entryToRef } from '../../apply/inventory.ts';
import type { KubeClient } from '../../kube/client.ts';
import { isNotFound } from '../../kube/errors.ts';
import type { EventRecorder } from '../../runtime/events.ts';
import { removeFinalizer } from '../../runtime/patch.ts';
import { instanceResourceManager } from './apply-step.ts';

/**
 * Finalizes a deleted instance. Unless `paused` (then only the finalizer goes), every inventory object that
 * still carries the owner labels is deleted. Like the Flux Operator's uninstall, the workloads the sync
 * applied are left running: each generated Kustomization gets `deletionPolicy: Orphan` first. A failed
 * delete throws (the finalizer stays and the controller retries).
 */
export async function finalizeInstance(opts: {
  instance: FluxInstance;
  client: KubeClient;
  recorder: EventRecorder;
  paused: boolean;
}): Promise<void> {
  const { instance, client } = opts;
  const refs = (instance.status?.inventory?.entries ?? []).map(entryToRef);
  if (!opts.paused && refs.length > 0) {
    for (const ref of refs.filter((r) => r.kind === Kinds.Kustomization)) {
      try {
        await client.patch(ref, { spec: { deletionPolicy: 'Orphan' } }, { type: 'merge' });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    const result = await instanceResourceManager(client, instance).prune(refs);
    if (result.failed.length) {
      throw new Error(
        `FluxInstance ${instance.metadata.namespace}/${instance.metadata.name}: failed to delete ${result.failures.map((f) => f.message).join('; ')}; will retry`,
      );
    }
    const deleted = formatChangeSet(result.changeSet);
    if (deleted)
      await opts.recorder.record(instance, {
        type: 'Normal',
        reason: 'Progressing',
        message: `Uninstalled:\n${deleted}`,
      });
  }
  await removeFinalizer(client, instance, FluxInstanceFinalizer);
}
