// Per-kind object counts for `spec.reconcilers[].stats`, with the Flux Operator's definitions.
import { ControlPlaneAnnotations, ControlPlaneGroup } from '../../../api/flux-report.ts';
import type { ReconcilerStats } from '../../../api/flux-report.ts';
import type { KubeObject } from '../../../kube/types.ts';
import { readyCondition, type FluxLike } from './flux-object.ts';

/**
 * Whether an object is suspended: `spec.suspend: true` for Flux kinds; for the Flux Operator's own
 * kinds (group fluxcd.controlplane.io, e.g. FluxInstance) the annotation `reconcile: disabled`.
 */
export function isSuspended(obj: KubeObject): boolean {
  if (obj.apiVersion.startsWith(`${ControlPlaneGroup}/`)) {
    return obj.metadata.annotations?.[ControlPlaneAnnotations.reconcile]?.toLowerCase() === 'disabled';
  }
  return (obj as FluxLike).spec?.suspend === true;
}

/**
 * Counts the objects of one kind. `failing` is not suspended, Ready=False and a reason other than
 * DependencyNotReady (waiting on a dependency is not a failure). `running` is `total - suspended`,
 * so it INCLUDES failing objects: this is the Flux Operator's definition, kept on purpose so that
 * tools and dashboards reading FluxReport stats (`flux-operator`, the Flux web UI, `flux stats`
 * style output) add up the same way on Driftless. Healthy = running - failing.
 * `totalSize` is the sum of `status.artifact.size`, omitted when zero (only sources have artifacts).
 */
export function reconcilerStats(objects: readonly KubeObject[]): ReconcilerStats {
  let suspended = 0;
  let failing = 0;
  let bytes = 0;
  for (const obj of objects) {
    const size = (obj as FluxLike).status?.artifact?.size;
    if (typeof size === 'number' && Number.isFinite(size)) bytes += size;
    if (isSuspended(obj)) {
      suspended++;
      continue;
    }
    const ready = readyCondition(obj);
    if (ready?.status === 'False' && ready.reason !== 'DependencyNotReady') failing++;
  }
  const stats: ReconcilerStats = { running: objects.length - suspended, failing, suspended };
  if (bytes > 0) stats.totalSize = formatSize(bytes);
  return stats;
}

const UNITS = 'KMGTPE';

/**
 * Formats a byte count in IEC units as the Flux Operator does: `"N B"` under 1024, else one decimal
 * (`"1.5 KiB"`, `"3.7 MiB"`). Exact halves round to even, as Go's `%.1f` does (1280 B → `1.2 KiB`).
 */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  let div = 1024;
  let exp = 0;
  for (let n = Math.floor(bytes / 1024); n >= 1024 && exp < UNITS.length - 1; n = Math.floor(n / 1024)) {
    div *= 1024;
    exp++;
  }
  return `${toFixedHalfEven(bytes / div)} ${UNITS[exp]}iB`;
}

// JS's toFixed rounds exact ties away from zero; Go rounds them to even.
function toFixedHalfEven(x: number): string {
  const scaled = x * 10;
  const floor = Math.floor(scaled);
  if (scaled - floor === 0.5 && floor % 2 === 0) return (floor / 10).toFixed(1);
  return x.toFixed(1);
}
