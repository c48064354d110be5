import type { KubeClient } from '../kube/client.ts';
import { isNotFound } from '../kube/errors.ts';
import { refOf, type KubeObject } from '../kube/types.ts';

/** Adds a finalizer if missing (JSON patch with a `test` so a concurrent change makes it retry). */
export async function ensureFinalizer(client: KubeClient, obj: KubeObject, finalizer: string): Promise<void> {
  const current = obj.metadata.finalizers ?? [];
  if (current.includes(finalizer)) return;
  const ops = obj.metadata.finalizers
    ? [
        { op: 'test', path: '/metadata/resourceVersion', value: obj.metadata.resourceVersion },
        { op: 'add', path: '/metadata/finalizers/-', value: finalizer },
      ]
    : [
        { op: 'test', path: '/metadata/resourceVersion', value: obj.metadata.resourceVersion },
        { op: 'add', path: '/metadata/finalizers', value: [finalizer] },
      ];
  const updated = await client.patch(refOf(obj), ops, { type: 'json' });
  obj.metadata.finalizers = updated.metadata.finalizers;
  obj.metadata.resourceVersion = updated.metadata.resourceVersion;
}

/** Removes a finalizer if present; a vanished object counts as done. */
export async function removeFinalizer(client: KubeClient, obj: KubeObject, finalizer: string): Promise<void> {
  const current = obj.metadata.finalizers ?? [];
  const i = current.indexOf(finalizer);
  if (i < 0) return;
  try {
    await client.patch(
      refOf(obj),
      [
        { op: 'test', path: `/metadata/finalizers/${i}`, value: finalizer },
        { op: 'remove', path: `/metadata/finalizers/${i}` },
      ],
      { type: 'json' },
    );
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}
