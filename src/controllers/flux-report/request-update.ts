import { Annotations } from '../../api/constants.ts';
import { FluxReportName, FluxReportTypeMeta } from '../../api/flux-report.ts';
import type { KubeClient } from '../../kube/client.ts';
import { isNotFound } from '../../kube/errors.ts';

/**
 * Asks for a fresh report at once (what the Flux Operator does after each FluxInstance reconcile):
 * sets `reconcile.fluxcd.io/requestedAt` on `<namespace>/flux` to the Unix time in seconds. Resolves
 * false when there is no report yet; other API errors are thrown.
 */
export async function requestReportUpdate(
  client: KubeClient,
  namespace: string,
  now: Date = new Date(),
): Promise<boolean> {
  try {
    await client.patch(
      { ...FluxReportTypeMeta, namespace, name: FluxReportName },
      { metadata: { annotations: { [Annotations.reconcileRequestedAt]: String(Math.floor(now.getTime() / 1000)) } } },
    );
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}
