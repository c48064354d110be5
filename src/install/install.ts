import { ResourceManager } from '../apply/apply.ts';
import type { KubeClient } from '../kube/client.ts';
import type { KubeObject } from '../kube/types.ts';
import { installManifests, type InstallOptions } from './manifests.ts';

/**
 * Applies the install manifests with server-side apply, waiting for the CRDs to be established.
 * `crdsOnly` applies just CRDs and the namespace (what a local run needs).
 */
export async function install(
  client: KubeClient,
  opts: InstallOptions & { crdsOnly?: boolean; log?: (line: string) => void } = {},
): Promise<void> {
  let objects = installManifests(opts);
  if (opts.crdsOnly)
    objects = objects.filter((o: KubeObject) => o.kind === 'CustomResourceDefinition' || o.kind === 'Namespace');
  const manager = new ResourceManager({
    client,
    fieldManager: 'driftless-install',
    ownerLabels: { 'app.kubernetes.io/managed-by': 'driftless' },
  });
  opts.log?.(
    `applying ${objects.length} objects (${objects.filter((o) => o.kind === 'CustomResourceDefinition').length} CRDs); waiting for CRDs to be established…`,
  );
  const changes = await manager.applyAllStaged(objects, { waitTimeoutMs: 60_000 });
  for (const e of changes.entries) opts.log?.(`${e.subject} ${e.action}`);
  client.mapper.invalidate();
}
