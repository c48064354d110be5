// The other Driftless managers running against this cluster, as their leader Leases describe them: each
// manager writes what it serves on its Lease (src/main.ts), so the FluxInstance can be checked against
// every process, not only the one reconciling it.
import { ProcessAnnotations, type RunningProcess } from '../../api/flux-instance-processes.ts';
import type { KubeClient } from '../../kube/client.ts';
import type { KubeObject } from '../../kube/types.ts';

interface Lease extends KubeObject {
  spec?: { holderIdentity?: string; renewTime?: string; leaseDurationSeconds?: number };
}

/**
 * The processes described by `leases` that hold them now (pure): a Lease counts when it has a holder and
 * was renewed within twice its duration (a generous bound: clocks of Pods and the API server differ).
 */
export function runningProcesses(leases: readonly Lease[], now: Date): RunningProcess[] {
  return leases.flatMap((l) => {
    const components = l.metadata.annotations?.[ProcessAnnotations.components];
    const spec = l.spec ?? {};
    if (components === undefined || !spec.holderIdentity || !spec.renewTime) return [];
    const renewed = Date.parse(spec.renewTime);
    if (!(now.getTime() - renewed < 2 * (spec.leaseDurationSeconds ?? 15) * 1000)) return [];
    const selector = l.metadata.annotations?.[ProcessAnnotations.watchLabelSelector] || undefined;
    return [{ components: components.split(',').filter(Boolean), selector }];
  });
}

/** Reads the Leases in `namespace` (the leader-election namespace) into running processes. */
export async function listRunningProcesses(client: KubeClient, namespace: string): Promise<RunningProcess[]> {
  const leases = await client.list<Lease>('coordination.k8s.io/v1', 'Lease', { namespace });
  return runningProcesses(leases.items, new Date());
}
