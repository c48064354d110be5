import type { KubeObject } from '../kube/types.ts';

/** Label/annotation keys that steer apply and prune per object (Flux's kustomize-controller names). */
export const ApplyMetadata = {
  reconcile: 'kustomize.toolkit.fluxcd.io/reconcile',
  ssa: 'kustomize.toolkit.fluxcd.io/ssa',
  force: 'kustomize.toolkit.fluxcd.io/force',
  prune: 'kustomize.toolkit.fluxcd.io/prune',
  lastApplied: 'kubectl.kubernetes.io/last-applied-configuration',
} as const;

/** Values of the `ssa` annotation. */
export const SsaMode = {
  Override: 'Override',
  Merge: 'Merge',
  IfNotPresent: 'IfNotPresent',
  Ignore: 'Ignore',
} as const;
export type SsaMode = (typeof SsaMode)[keyof typeof SsaMode];

/** Key/value pairs matched against labels or annotations (values case-insensitive), as Flux's selectors. */
export type MetadataSelector = Record<string, string>;

/**
 * Which objects are skipped, created only, merged, force-recreated or kept from pruning. The defaults
 * are Flux's; a caller with other annotation names (helm-controller, say) passes its own.
 */
export interface ApplyPolicy {
  /** Never applied and never pruned (desired or in-cluster metadata). */
  exclusions: MetadataSelector;
  /** Created when missing, otherwise left alone. */
  ifNotPresent: MetadataSelector;
  /** Fields added by other managers are kept: no managedFields/annotation cleanup. */
  merge: MetadataSelector;
  /** Recreated on an immutable-field error even without the global `force`. */
  force: MetadataSelector;
  /** Never pruned (in addition to `exclusions`). */
  pruneExclusions: MetadataSelector;
}

/** Flux's kustomize-controller policy. */
export const defaultApplyPolicy: ApplyPolicy = {
  exclusions: { [ApplyMetadata.reconcile]: 'disabled', [ApplyMetadata.ssa]: SsaMode.Ignore },
  ifNotPresent: { [ApplyMetadata.ssa]: SsaMode.IfNotPresent },
  merge: { [ApplyMetadata.ssa]: SsaMode.Merge },
  force: { [ApplyMetadata.force]: 'enabled' },
  pruneExclusions: { [ApplyMetadata.prune]: 'disabled' },
};

/** True when any key/value of `selector` is among the object's labels or annotations (case-insensitive value). */
export function anyInMetadata(obj: Pick<KubeObject, 'metadata'> | undefined, selector: MetadataSelector): boolean {
  if (!obj) return false;
  const { labels = {}, annotations = {} } = obj.metadata;
  return Object.entries(selector).some(([key, value]) => {
    const l = labels[key];
    const a = annotations[key];
    return (!!l && l.toLowerCase() === value.toLowerCase()) || (!!a && a.toLowerCase() === value.toLowerCase());
  });
}

/** True when every key/value of `selector` is among the object's labels (exact match); `{}` matches all. */
export function labelsMatch(obj: Pick<KubeObject, 'metadata'>, selector: MetadataSelector): boolean {
  const labels = obj.metadata.labels ?? {};
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/**
 * Whether to skip the apply of `desired`: excluded in desired or in-cluster metadata, or
 * create-only and already present. Returns the reason, or undefined to go ahead.
 */
export function skipReason(
  desired: KubeObject,
  existing: KubeObject | undefined,
  policy: ApplyPolicy,
): string | undefined {
  if (anyInMetadata(desired, policy.exclusions)) return 'excluded by its manifest';
  if (anyInMetadata(existing, policy.exclusions)) return 'excluded by the in-cluster object';
  if (existing?.metadata.uid && anyInMetadata(desired, policy.ifNotPresent)) return 'exists and is create-only';
  return undefined;
}

// Recreating these loses data (volumes) or identities, so the global force needs a per-object opt-in.
const FORCE_OPT_IN_ONLY = new Set(['PersistentVolumeClaim', 'StatefulSet']);

/**
 * Whether an immutable-field error may be fixed by delete + recreate: per-object opt-in always,
 * the global `force` for every kind except PersistentVolumeClaim and StatefulSet.
 */
export function mayRecreate(
  desired: KubeObject,
  existing: KubeObject | undefined,
  force: boolean,
  policy: ApplyPolicy,
): boolean {
  if (anyInMetadata(desired, policy.force) || anyInMetadata(existing, policy.force)) return true;
  return force && !FORCE_OPT_IN_ONLY.has(desired.kind);
}

/** Why a stale object must not be deleted, or undefined when it may be. */
export function pruneSkipReason(
  existing: KubeObject,
  ownerLabels: MetadataSelector,
  policy: ApplyPolicy,
): string | undefined {
  if (!labelsMatch(existing, ownerLabels)) return 'owned by another (owner labels differ)';
  if (anyInMetadata(existing, policy.exclusions)) return 'excluded from reconciliation';
  if (anyInMetadata(existing, policy.pruneExclusions)) return 'pruning disabled';
  return undefined;
}
