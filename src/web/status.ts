// How the dashboard names an object's state, from its conditions (kstatus-like, as `flux get` reads them).
import type { KubeObject } from '../kube/types.ts';

/** The five states the dashboard shows; each has a word and an icon in the UI, never a colour alone. */
export type ObjectStatus = 'ready' | 'failing' | 'suspended' | 'progressing' | 'unknown';
export const ObjectStatuses: readonly ObjectStatus[] = ['ready', 'failing', 'suspended', 'progressing', 'unknown'];

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

type Flux = KubeObject & {
  spec?: { suspend?: boolean; [k: string]: unknown };
  status?: {
    conditions?: Condition[];
    observedGeneration?: number;
    lastAppliedRevision?: string;
    lastAttemptedRevision?: string;
    artifact?: { revision?: string };
    [k: string]: unknown;
  };
};

/** Longest message a list row carries; the object page has the whole (capped) text. */
export const RowMessageChars = 500;

/** One row of a list: what a table needs, small whatever the object's size. */
export interface ObjectRow {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  status: ObjectStatus;
  /** The Ready condition's reason, when there is one. */
  reason: string;
  message: string;
  revision: string;
  suspended: boolean;
  createdAt: string;
  /** When Ready last changed (or the creation time). */
  updatedAt: string;
}

const conditionOf = (obj: Flux, type: string): Condition | undefined =>
  obj.status?.conditions?.find((c) => c.type === type);

/**
 * Suspended wins (the object is not reconciled, whatever it last said); then Ready=False or Stalled=True
 * is failing, even while Reconciling=True (Flux keeps retrying a failure as `ProgressingWithRetry`, and
 * `flux get` and the FluxReport count it as failing); then Reconciling=True, Ready=Unknown or a
 * generation not yet observed is progressing; Ready=True is ready; no Ready condition yet is unknown.
 */
export function statusOf(obj: KubeObject): ObjectStatus {
  const o = obj as Flux;
  if (o.spec?.suspend === true) return 'suspended';
  const ready = conditionOf(o, 'Ready');
  if (conditionOf(o, 'Stalled')?.status === 'True' || ready?.status === 'False') return 'failing';
  if (conditionOf(o, 'Reconciling')?.status === 'True' || ready?.status === 'Unknown') return 'progressing';
  if (!ready) return 'unknown';
  const generation = o.metadata.generation;
  const observed = o.status?.observedGeneration;
  if (generation !== undefined && observed !== undefined && observed >= 0 && observed < generation)
    return 'progressing';
  return 'ready';
}

/** The revision an object last applied or produced (Kustomization, HelmRelease, sources). */
export function revisionOf(obj: KubeObject): string {
  const s = (obj as Flux).status;
  const history = (s?.['history'] as { digest?: string }[] | undefined)?.[0];
  return s?.lastAppliedRevision ?? s?.artifact?.revision ?? s?.lastAttemptedRevision ?? history?.digest ?? '';
}

/** Cuts a string to `max` characters, saying how much was left out. */
export function capText(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max)}… (${s.length - max} more characters)`;
}

export function rowOf(obj: KubeObject): ObjectRow {
  const o = obj as Flux;
  const ready = conditionOf(o, 'Ready');
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    namespace: obj.metadata.namespace ?? '',
    name: obj.metadata.name,
    status: statusOf(obj),
    reason: ready?.reason ?? '',
    message: capText(ready?.message ?? '', RowMessageChars),
    revision: revisionOf(obj),
    suspended: o.spec?.suspend === true,
    createdAt: obj.metadata.creationTimestamp ?? '',
    updatedAt: ready?.lastTransitionTime ?? obj.metadata.creationTimestamp ?? '',
  };
}

/** Per-state counts of a list of objects. */
export function countStatuses(objs: Iterable<KubeObject>): Record<ObjectStatus, number> & { total: number } {
  const counts = { total: 0, ready: 0, failing: 0, suspended: 0, progressing: 0, unknown: 0 };
  for (const o of objs) {
    counts.total++;
    counts[statusOf(o)]++;
  }
  return counts;
}
