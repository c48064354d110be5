// The start-up check that the Flux CRDs the manager's informers need are installed.
import { ApiVersions, Groups } from '../api/constants.ts';
import { NotificationVersions } from '../api/notification.ts';
import type { KubeClient } from '../kube/client.ts';
import { isNoKindMatch } from '../kube/errors.ts';

/**
 * Fails early, with the fix, when a Flux CRD is missing (discovery says NoKindMatch). Any other failure
 * to look the kinds up (Forbidden, a 5xx, the network) is thrown as it is, with its own message: a
 * cluster that cannot be asked is not a cluster without the CRDs.
 */
export async function assertCrdsInstalled(client: Pick<KubeClient, 'resource'>): Promise<void> {
  const required = [
    [ApiVersions.source, 'GitRepository'],
    // Without its CRD the Bucket informer never syncs and the manager would wait forever.
    [ApiVersions.source, 'Bucket'],
    // Likewise the ExternalArtifact informer (Kustomization sources) and the ArtifactGenerator one.
    [ApiVersions.source, 'ExternalArtifact'],
    [`${Groups.sourceExtensions}/v1beta1`, 'ArtifactGenerator'],
    [ApiVersions.kustomize, 'Kustomization'],
    [`${Groups.notification}/${NotificationVersions.providerAlert}`, 'Alert'],
    [`${Groups.notification}/${NotificationVersions.receiver}`, 'Receiver'],
  ] as const;
  // Looked up together (one discovery request per group version, in parallel: this is on the start-up path); the
  // first missing kind in the list's order is the one reported.
  const lookups = await Promise.allSettled(required.map(([apiVersion, kind]) => client.resource(apiVersion, kind)));
  lookups.forEach((lookup, i) => {
    if (lookup.status === 'fulfilled') return;
    const err: unknown = lookup.reason;
    const [apiVersion, kind] = required[i] ?? ['', ''];
    if (!isNoKindMatch(err)) throw err;
    throw new Error(
      `the ${kind} CRD (${apiVersion}) is not installed in this cluster: run \`driftless install\` (or \`driftless install --crds-only\`) first`,
      { cause: err },
    );
  });
}
