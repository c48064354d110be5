import { splitApiVersion, type KubeObject, type ObjectRef } from '../kube/types.ts';

/** Apply stages, in order: cluster definitions, class definitions, everything else. */
export const Stage = { ClusterDefinitions: 1, ClassDefinitions: 2, Resources: 3 } as const;
export type Stage = (typeof Stage)[keyof typeof Stage];

type Sortable = ObjectRef | KubeObject;

// Flux's kind order (fluxcd/pkg ssa/sort.go): things others refer to come first, webhooks last
// so that they cannot block the objects applied in the same run.
const FIRST = [
  'CustomResourceDefinition',
  'Namespace',
  'ClusterRole',
  'ClusterClass',
  'RuntimeClass',
  'PriorityClass',
  'StorageClass',
  'VolumeSnapshotClass',
  'IngressClass',
  'GatewayClass',
  'ClusterRoleBinding',
  'ResourceQuota',
  'ServiceAccount',
  'Role',
  'RoleBinding',
  'ConfigMap',
  'Secret',
  'Service',
  'LimitRange',
  'Deployment',
  'StatefulSet',
  'CronJob',
  'PodDisruptionBudget',
];
const LAST = ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'];
const KIND_INDEX = new Map<string, number>([
  ...FIRST.map((k, i): [string, number] => [k, i - FIRST.length]),
  ...LAST.map((k, i): [string, number] => [k, i + 1]),
]);

const fields = (o: Sortable): { group: string; kind: string; name: string; namespace: string } => {
  const meta = 'metadata' in o ? o.metadata : o;
  return { group: splitApiVersion(o.apiVersion).group, kind: o.kind, name: meta.name, namespace: meta.namespace ?? '' };
};

/**
 * The stage an object is applied in: CRDs, Namespaces and ClusterRoles first (the rest may need
 * them, and Flux waits for them to be ready), then kinds ending in `Class`, then everything else.
 */
export function stageOf(obj: Sortable): Stage {
  const { group, kind } = fields(obj);
  if (kind === 'CustomResourceDefinition' && group === 'apiextensions.k8s.io') return Stage.ClusterDefinitions;
  if (kind === 'Namespace' && obj.apiVersion === 'v1') return Stage.ClusterDefinitions;
  if (kind === 'ClusterRole' && group === 'rbac.authorization.k8s.io') return Stage.ClusterDefinitions;
  if (kind.endsWith('Class')) return Stage.ClassDefinitions;
  return Stage.Resources;
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Orders two objects by Flux's kind order, then group, kind, namespace and name (deterministic). */
export function compareObjects(a: Sortable, b: Sortable): number {
  const fa = fields(a);
  const fb = fields(b);
  if (fa.group !== fb.group || fa.kind !== fb.kind) {
    const ia = KIND_INDEX.get(fa.kind) ?? 0;
    const ib = KIND_INDEX.get(fb.kind) ?? 0;
    if (ia !== ib) return ia - ib;
    return cmp(fa.group, fb.group) || cmp(fa.kind, fb.kind);
  }
  return cmp(fa.namespace, fb.namespace) || cmp(fa.name, fb.name);
}

/** The objects grouped by stage (empty stages omitted), each stage sorted; the input is not modified. */
export function splitStages<T extends Sortable>(objects: readonly T[]): { stage: Stage; objects: T[] }[] {
  const stages = new Map<Stage, T[]>();
  for (const o of objects) {
    const s = stageOf(o);
    stages.set(s, [...(stages.get(s) ?? []), o]);
  }
  return [...stages.entries()]
    .sort(([a], [b]) => a - b)
    .map(([stage, list]) => ({ stage, objects: list.sort(compareObjects) }));
}

/** Objects in full apply order (stage, then kind order); a new array. */
export function sortForApply<T extends Sortable>(objects: readonly T[]): T[] {
  return splitStages(objects).flatMap((s) => s.objects);
}

/** Objects in deletion order: the reverse of apply order, so custom resources go before their CRDs. */
export function sortForDeletion<T extends Sortable>(objects: readonly T[]): T[] {
  return sortForApply(objects).reverse();
}
