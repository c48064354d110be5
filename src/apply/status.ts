import type { KubeObject } from '../kube/types.ts';
import { isRecord } from '../util/is-record.ts';

/** kstatus result values. */
export const Status = {
  Current: 'Current',
  InProgress: 'InProgress',
  Failed: 'Failed',
  Terminating: 'Terminating',
  NotFound: 'NotFound',
  Unknown: 'Unknown',
} as const;
export type Status = (typeof Status)[keyof typeof Status];

/** The computed status of one object and a short human explanation. */
export interface StatusResult {
  status: Status;
  message: string;
}

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

const field = (obj: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((o, k) => (isRecord(o) ? o[k] : undefined), obj);
const int = (obj: unknown, path: string, dflt: number): number => {
  const v = field(obj, path);
  return typeof v === 'number' ? v : dflt;
};
const str = (obj: unknown, path: string): string => {
  const v = field(obj, path);
  return typeof v === 'string' ? v : '';
};
const conditions = (obj: KubeObject): Condition[] => {
  const list = field(obj, 'status.conditions');
  return Array.isArray(list) ? list.filter((c): c is Condition => isRecord(c) && typeof c.type === 'string') : [];
};
const condition = (obj: KubeObject, type: string): Condition | undefined =>
  conditions(obj).find((c) => c.type === type);

const inProgress = (message: string): StatusResult => ({ status: Status.InProgress, message });
const current = (message: string): StatusResult => ({ status: Status.Current, message });
const failed = (message: string): StatusResult => ({ status: Status.Failed, message });

const MAX_INT32 = 2147483647;

function deployment(obj: KubeObject): StatusResult {
  // Without a progress deadline (unset or MaxInt32) the controller never reports NewReplicaSetAvailable.
  let progressing = int(obj, 'spec.progressDeadlineSeconds', MAX_INT32) === MAX_INT32;
  let available = false;
  for (const c of conditions(obj)) {
    if (c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded')
      return failed('Progress deadline exceeded');
    if (c.type === 'Progressing' && c.status === 'True' && c.reason === 'NewReplicaSetAvailable') progressing = true;
    if (c.type === 'Available' && c.status === 'True') available = true;
  }
  const spec = int(obj, 'spec.replicas', 1);
  const replicas = int(obj, 'status.replicas', 0);
  const updated = int(obj, 'status.updatedReplicas', 0);
  const ready = int(obj, 'status.readyReplicas', 0);
  const avail = int(obj, 'status.availableReplicas', 0);
  if (spec > replicas) return inProgress(`Replicas: ${replicas}/${spec}`);
  if (spec > updated) return inProgress(`Updated: ${updated}/${spec}`);
  if (replicas > spec) return inProgress(`Pending termination: ${replicas - spec}`);
  if (updated > avail) return inProgress(`Available: ${avail}/${updated}`);
  if (spec > ready) return inProgress(`Ready: ${ready}/${spec}`);
  if (!progressing) return inProgress('ReplicaSet not Available');
  if (!available) return inProgress('Deployment not Available');
  return current(`Deployment is available. Replicas: ${replicas}`);
}

function statefulSet(obj: KubeObject): StatusResult {
  if (str(obj, 'spec.updateStrategy.type') === 'OnDelete')
    return current('StatefulSet is using the OnDelete update strategy');
  const spec = int(obj, 'spec.replicas', 1);
  const replicas = int(obj, 'status.replicas', 0);
  const ready = int(obj, 'status.readyReplicas', 0);
  const currentReplicas = int(obj, 'status.currentReplicas', 0);
  const updated = int(obj, 'status.updatedReplicas', 0);
  const partition = int(obj, 'spec.updateStrategy.rollingUpdate.partition', -1);
  if (spec > replicas) return inProgress(`Replicas: ${replicas}/${spec}`);
  if (spec > ready) return inProgress(`Ready: ${ready}/${spec}`);
  if (replicas > spec) return inProgress(`Pending termination: ${replicas - spec}`);
  if (partition >= 0) {
    if (updated < spec - partition) return inProgress(`Updated: ${updated}/${spec - partition}`);
    return current(`Partitioned roll out complete. Updated: ${updated}`);
  }
  if (spec > currentReplicas) return inProgress(`Current: ${currentReplicas}/${spec}`);
  const currentRevision = str(obj, 'status.currentRevision');
  const updateRevision = str(obj, 'status.updateRevision');
  if (currentRevision !== updateRevision) {
    return inProgress(`Waiting for updated revision ${updateRevision} to match current ${currentRevision}`);
  }
  return current(`All replicas scheduled as expected. Replicas: ${replicas}`);
}

function daemonSet(obj: KubeObject): StatusResult {
  const desired = int(obj, 'status.desiredNumberScheduled', -1);
  if (desired < 0) return inProgress('Missing .status.desiredNumberScheduled');
  const checks: [string, number][] = [
    ['Current', int(obj, 'status.currentNumberScheduled', 0)],
    ['Updated', int(obj, 'status.updatedNumberScheduled', 0)],
    ['Available', int(obj, 'status.numberAvailable', 0)],
    ['Ready', int(obj, 'status.numberReady', 0)],
  ];
  for (const [label, n] of checks) if (desired > n) return inProgress(`${label}: ${n}/${desired}`);
  return current(`All replicas scheduled as expected. Replicas: ${desired}`);
}

function replicaSet(obj: KubeObject): StatusResult {
  if (condition(obj, 'ReplicaFailure')?.status === 'True') return inProgress('Replica Failure condition. Check Pods');
  const spec = int(obj, 'spec.replicas', 1);
  const replicas = int(obj, 'status.replicas', 0);
  const checks: [string, number][] = [
    ['Labelled', int(obj, 'status.fullyLabeledReplicas', 0)],
    ['Available', int(obj, 'status.availableReplicas', 0)],
    ['Ready', int(obj, 'status.readyReplicas', 0)],
  ];
  for (const [label, n] of checks) if (spec > n) return inProgress(`${label}: ${n}/${spec}`);
  if (replicas > spec) return inProgress(`Pending termination: ${replicas - spec}`);
  return current(`ReplicaSet is available. Replicas: ${replicas}`);
}

function pod(obj: KubeObject): StatusResult {
  const phase = str(obj, 'status.phase');
  if (phase === 'Succeeded') return current('Pod has completed successfully');
  if (phase === 'Failed') return failed('Pod has completed, but not successfully');
  const statuses = field(obj, 'status.containerStatuses');
  if (Array.isArray(statuses) && statuses.some((s) => str(s, 'state.waiting.reason') === 'CrashLoopBackOff')) {
    return failed('Pod is in CrashLoopBackOff');
  }
  if (phase === 'Running' && condition(obj, 'Ready')?.status === 'True') return current('Pod is Ready');
  const scheduled = condition(obj, 'PodScheduled');
  if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
    return inProgress(`Pod could not be scheduled: ${scheduled.message ?? 'Unschedulable'}`);
  }
  return inProgress(phase ? `Pod phase is ${phase}, not Ready` : 'Pod phase not available');
}

function job(obj: KubeObject): StatusResult {
  const succeeded = int(obj, 'status.succeeded', 0);
  const completions = int(obj, 'spec.completions', int(obj, 'spec.parallelism', 1));
  const failedCond = condition(obj, 'Failed');
  if (failedCond?.status === 'True') {
    return failed(
      `Job failed: ${failedCond.reason ?? ''}${failedCond.message ? ` (${failedCond.message})` : ''}`.trim(),
    );
  }
  if (condition(obj, 'Complete')?.status === 'True')
    return current(`Job completed. Succeeded: ${succeeded}/${completions}`);
  if (!str(obj, 'status.startTime')) return inProgress('Job not started');
  // Flux waits for completion (kstatus alone would call a running Job Current).
  return inProgress(`Job in progress. Succeeded: ${succeeded}/${completions}, active: ${int(obj, 'status.active', 0)}`);
}

function service(obj: KubeObject): StatusResult {
  if (str(obj, 'spec.type') !== 'LoadBalancer') return current('Service is ready');
  const ingress = field(obj, 'status.loadBalancer.ingress');
  if (!Array.isArray(ingress) || ingress.length === 0) return inProgress('Pending LoadBalancer ingress');
  return current('Service is ready');
}

function crd(obj: KubeObject): StatusResult {
  for (const c of conditions(obj)) {
    if (c.type === 'NamesAccepted' && c.status === 'False') return failed(`CRD names not accepted: ${c.message ?? ''}`);
    if (c.type === 'Established' && c.status === 'True') return current('CRD is established');
    if (c.type === 'Established' && c.status === 'False' && c.reason !== 'Installing') {
      return failed(`CRD not established: ${c.message ?? c.reason ?? ''}`);
    }
  }
  return inProgress('Install in progress');
}

function pdb(obj: KubeObject): StatusResult {
  const desired = int(obj, 'status.desiredHealthy', 0);
  const healthy = int(obj, 'status.currentHealthy', 0);
  if (field(obj, 'status.observedGeneration') === undefined) return inProgress('PodDisruptionBudget not yet observed');
  if (healthy < desired) return inProgress(`Budget not met. Healthy: ${healthy}/${desired}`);
  return current(`Budget is met. Healthy: ${healthy}/${desired}`);
}

const BUILT_IN: Record<string, (obj: KubeObject) => StatusResult> = {
  'apps/Deployment': deployment,
  'apps/StatefulSet': statefulSet,
  'apps/DaemonSet': daemonSet,
  'apps/ReplicaSet': replicaSet,
  '/Pod': pod,
  'batch/Job': job,
  '/Service': service,
  '/PersistentVolumeClaim': (o) =>
    str(o, 'status.phase') === 'Bound'
      ? current('PVC is Bound')
      : inProgress(`PVC is not Bound. Phase: ${str(o, 'status.phase') || 'unknown'}`),
  '/Namespace': (o) =>
    str(o, 'status.phase') === 'Active'
      ? current('Namespace is Active')
      : inProgress(`Namespace phase is ${str(o, 'status.phase') || 'unknown'}`),
  'apiextensions.k8s.io/CustomResourceDefinition': crd,
  'policy/PodDisruptionBudget': pdb,
};

function generic(obj: KubeObject): StatusResult {
  const stalled = condition(obj, 'Stalled');
  if (stalled?.status === 'True') return failed(stalled.message || stalled.reason || 'Stalled');
  const reconciling = condition(obj, 'Reconciling');
  if (reconciling?.status === 'True') return inProgress(reconciling.message || reconciling.reason || 'Reconciling');
  const ready = condition(obj, 'Ready');
  if (ready?.status === 'True') return current(ready.message || 'Resource is Ready');
  if (ready) return inProgress(ready.message || `Ready condition is ${ready.status}`);
  return current('Resource is current');
}

/**
 * A caller's own status rule (e.g. a Kustomization's healthCheckExprs), tried after the deletion and
 * generation checks; `undefined` means it has no rule for this object and the built-in rules apply.
 */
export type CustomStatus = (obj: KubeObject) => StatusResult | undefined;

/**
 * kstatus-like status of one object (pure): Terminating when being deleted, InProgress while the
 * controller has not observed the latest generation, then the kind's own rules (Deployment,
 * StatefulSet, DaemonSet, ReplicaSet, Pod, Job, Service, PVC, Namespace, CRD, PDB), else the
 * Stalled/Reconciling/Ready conditions; an object without conditions is Current. `custom`, when it
 * has a rule for the object, replaces the kind's rules.
 */
export function computeStatus(obj: KubeObject | undefined, custom?: CustomStatus): StatusResult {
  if (!obj) return { status: Status.NotFound, message: 'Resource not found' };
  if (obj.metadata.deletionTimestamp) return { status: Status.Terminating, message: 'Resource scheduled for deletion' };
  const generation = obj.metadata.generation;
  const observed = field(obj, 'status.observedGeneration');
  if (typeof generation === 'number' && typeof observed === 'number' && observed !== generation) {
    return inProgress(`${obj.kind} generation is ${generation}, but latest observed generation is ${observed}`);
  }
  const own = custom?.(obj);
  if (own) return own;
  const group = obj.apiVersion.includes('/') ? obj.apiVersion.slice(0, obj.apiVersion.indexOf('/')) : '';
  const rule = BUILT_IN[`${group}/${obj.kind}`];
  if (!rule) return generic(obj);
  // A built-in controller's own Stalled/Reconciling conditions, if any, still take precedence.
  const stalled = condition(obj, 'Stalled');
  if (stalled?.status === 'True') return failed(stalled.message || 'Stalled');
  try {
    return rule(obj);
  } catch (err) {
    return { status: Status.Unknown, message: `cannot compute status: ${(err as Error).message}` };
  }
}
