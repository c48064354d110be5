// status.inventory of a HelmRelease, written as helm-controller's observeInventory does whenever an install,
// upgrade or rollback stored a release (failed ones too: the inventory follows the newest stored release):
// the release manifest's objects without hooks, then the chart's CRDs. A failure to build it keeps the old
// inventory and records an InventoryBuildFailed warning; it never fails the action.
import { HelmReasons } from '../../api/helm-release.ts';
import { manifestRefs, releaseInventory } from '../../helm/inventory.ts';
import { messageOf } from '../shared.ts';
import { chartCrdsYaml } from './crds.ts';
import type { ReleaseRequest } from './types.ts';

/** Sets `req.status.inventory` from the newest release in storage (nothing stored: left as it is). */
export async function observeInventory(req: ReleaseRequest): Promise<void> {
  const failed = (err: unknown) =>
    req.event({
      type: 'Warning',
      reason: HelmReasons.InventoryBuildFailed,
      message: `failed to build inventory for ${req.obj.metadata.namespace ?? ''}/${req.obj.metadata.name}: ${messageOf(err)}`,
    });
  try {
    const rel = await req.storage.last(req.releaseName);
    if (!rel) return;
    const manifest = manifestRefs(rel.manifest ?? '');
    // The scope of each kind the manifest leaves without a namespace, from the cluster's discovery.
    const scopes = new Map<string, boolean | undefined>();
    for (const ref of manifest) {
      const key = `${ref.apiVersion}/${ref.kind}`;
      if (ref.namespace || ref.hook || scopes.has(key)) continue;
      scopes.set(
        key,
        await req.client.resource(ref.apiVersion, ref.kind).then(
          (r) => r.namespaced,
          () => undefined,
        ),
      );
    }
    const { entries, warnings } = releaseInventory({
      manifest,
      crds: await chartCrdsYaml(req),
      namespace: rel.namespace,
      scopeOf: (apiVersion, kind) => scopes.get(`${apiVersion}/${kind}`),
    });
    if (warnings.length > 0)
      await req.event({ type: 'Warning', reason: HelmReasons.NamespaceCheckSkipped, message: warnings.join('; ') });
    req.status.inventory = { entries };
  } catch (err) {
    if (req.signal.aborted) throw err;
    await failed(err);
  }
}
