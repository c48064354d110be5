// Kustomization (kustomize.toolkit.fluxcd.io/v1): schema, type and spec defaults, from one source.
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { ApiVersions, Groups, Kinds } from './constants.ts';
import { parseDuration } from './duration.ts';
import {
  CommonStatusProperties,
  DependencyReferenceSchema,
  KubeConfigReferenceSchema,
  LocalObjectReferenceSchema,
  NamespacedObjectKindReferenceSchema,
  ResourceInventorySchema,
  SnapshotSchema,
  StatusDefault,
  crossNamespaceSourceReference,
  kubeObjectSchema,
} from './meta.ts';
import type { FluxObject } from './meta.ts';
import { AgeColumn, ReadyColumn, StatusColumn } from './crd-definition.ts';
import type { CrdDefinition } from './crd-definition.ts';
import { Duration, NamespaceName, ObjectName, StringEnum, StringMap, described } from './schema-types.ts';

export { inventoryId, parseInventoryId } from './inventory.ts';
export type { ObjectIdentity } from './inventory.ts';

/** Source kinds a Kustomization may reference. */
export const KustomizationSourceKinds = ['OCIRepository', 'GitRepository', 'Bucket', 'ExternalArtifact'] as const;

/** `spec.sourceRef` of a Kustomization. */
export const KustomizationSourceRefSchema = crossNamespaceSourceReference(KustomizationSourceKinds);
/** `spec.sourceRef` of a Kustomization. */
export type KustomizationSourceRef = Static<typeof KustomizationSourceRefSchema>;

/** Selects objects of a build by GVK, name, namespace and selectors (regexes for names, as kustomize does). */
export const KustomizeSelectorSchema = Type.Object({
  group: Type.Optional(Type.String()),
  version: Type.Optional(Type.String()),
  kind: Type.Optional(Type.String()),
  name: Type.Optional(Type.String()),
  namespace: Type.Optional(Type.String()),
  annotationSelector: Type.Optional(Type.String()),
  labelSelector: Type.Optional(Type.String()),
});
/** Object selector of patches and ignore rules. */
export type KustomizeSelector = Static<typeof KustomizeSelectorSchema>;

/** A strategic-merge or JSON6902 patch, optionally restricted to a target. */
export const KustomizePatchSchema = Type.Object({
  patch: Type.String(),
  target: Type.Optional(KustomizeSelectorSchema),
});
/** A patch applied to the build. */
export type KustomizePatch = Static<typeof KustomizePatchSchema>;

/** A kustomize images transformer entry. */
export const KustomizeImageSchema = Type.Object({
  name: Type.String(),
  newName: Type.Optional(Type.String()),
  newTag: Type.Optional(Type.String()),
  digest: Type.Optional(Type.String()),
});
/** A kustomize images transformer entry. */
export type KustomizeImage = Static<typeof KustomizeImageSchema>;

/** A ConfigMap or Secret whose data feeds post-build substitution. */
export const SubstituteReferenceSchema = Type.Object({
  kind: StringEnum(['Secret', 'ConfigMap'] as const),
  name: ObjectName(),
  optional: Type.Optional(Type.Boolean({ default: false })),
});
/** A ConfigMap or Secret whose data feeds post-build substitution. */
export type SubstituteReference = Static<typeof SubstituteReferenceSchema>;

/** Post-build variable substitution; inline `substitute` wins over `substituteFrom`. */
export const PostBuildSchema = Type.Object({
  substitute: Type.Optional(StringMap()),
  substituteFrom: Type.Optional(Type.Array(SubstituteReferenceSchema)),
  substituteStrategy: Type.Optional(StringEnum(['WithVariables', 'Always'] as const)),
});
/** Post-build variable substitution settings. */
export type PostBuild = Static<typeof PostBuildSchema>;

/** SOPS decryption settings. */
export const DecryptionSchema = Type.Object({
  provider: StringEnum(['sops'] as const),
  secretRef: Type.Optional(LocalObjectReferenceSchema),
  serviceAccountName: Type.Optional(Type.String()),
});
/** SOPS decryption settings. */
export type Decryption = Static<typeof DecryptionSchema>;

/** CEL expressions that compute health for a group/kind. */
export const CustomHealthCheckSchema = Type.Object({
  apiVersion: Type.String(),
  kind: Type.Optional(Type.String()),
  current: Type.String(),
  inProgress: Type.Optional(Type.String()),
  failed: Type.Optional(Type.String()),
});
/** CEL expressions that compute health for a group/kind. */
export type CustomHealthCheck = Static<typeof CustomHealthCheckSchema>;

/** A drift-ignore rule: JSON pointers stripped from the selected objects before comparing. */
export const IgnoreRuleSchema = Type.Object({
  paths: Type.Array(Type.String()),
  target: Type.Optional(KustomizeSelectorSchema),
});
/** A drift-ignore rule. */
export type IgnoreRule = Static<typeof IgnoreRuleSchema>;

/** Allowed `spec.deletionPolicy` values; unset means MirrorPrune. */
export const DeletionPolicies = ['MirrorPrune', 'Delete', 'WaitForTermination', 'Orphan'] as const;
/** What happens to applied objects when the Kustomization is deleted. */
export type DeletionPolicy = (typeof DeletionPolicies)[number];

/** `spec` of a Kustomization; `interval`, `prune` and `sourceRef` are required, `path` defaults to the artifact root. */
export const KustomizationSpecSchema = Type.Object({
  sourceRef: described(KustomizationSourceRefSchema, 'The source whose artifact holds the manifests.'),
  path: Type.Optional(Type.String({ description: 'Directory inside the artifact to build; defaults to its root.' })),
  interval: Duration({ description: 'How often to rebuild, reapply and correct drift.' }),
  retryInterval: Type.Optional(
    Duration({ description: 'Delay before retrying a failed reconcile; defaults to interval.' }),
  ),
  timeout: Type.Optional(
    Duration({
      description: 'Time limit of build, apply and health checks; defaults to interval minus 30s, at least 30s.',
    }),
  ),
  prune: Type.Boolean({ description: 'Delete objects that are no longer in the build.' }),
  deletionPolicy: Type.Optional(
    StringEnum(DeletionPolicies, {
      description: 'What deleting this Kustomization does to the applied objects; MirrorPrune (default) follows prune.',
    }),
  ),
  suspend: Type.Optional(Type.Boolean({ description: 'Stop applying and correcting drift while true.' })),
  dependsOn: Type.Optional(
    Type.Array(DependencyReferenceSchema, {
      description: 'Kustomizations that must be ready before this one applies.',
    }),
  ),
  targetNamespace: Type.Optional(NamespaceName({ description: 'Namespace set on every namespaced object.' })),
  namePrefix: Type.Optional(
    Type.String({ minLength: 1, maxLength: 200, description: 'Prefix added to object names.' }),
  ),
  nameSuffix: Type.Optional(
    Type.String({ minLength: 1, maxLength: 200, description: 'Suffix added to object names.' }),
  ),
  commonMetadata: Type.Optional(
    Type.Object(
      { labels: Type.Optional(StringMap()), annotations: Type.Optional(StringMap()) },
      { description: 'Labels and annotations set on every object, overriding existing keys.' },
    ),
  ),
  patches: Type.Optional(Type.Array(KustomizePatchSchema, { description: 'Strategic-merge or JSON6902 patches.' })),
  images: Type.Optional(Type.Array(KustomizeImageSchema, { description: 'Image name, tag and digest overrides.' })),
  components: Type.Optional(Type.Array(Type.String(), { description: 'Kustomize components, relative to path.' })),
  ignoreMissingComponents: Type.Optional(Type.Boolean()),
  buildMetadata: Type.Optional(Type.Array(StringEnum(['originAnnotations', 'transformerAnnotations'] as const))),
  postBuild: Type.Optional(described(PostBuildSchema, 'Variable substitution applied to the built manifests.')),
  decryption: Type.Optional(described(DecryptionSchema, 'Decrypt SOPS-encrypted manifests.')),
  serviceAccountName: Type.Optional(
    Type.String({ description: 'Service account impersonated for apply, prune and health checks.' }),
  ),
  kubeConfig: Type.Optional(described(KubeConfigReferenceSchema, 'Apply to a remote cluster instead.')),
  healthChecks: Type.Optional(
    Type.Array(NamespacedObjectKindReferenceSchema, {
      description: 'Objects that must become ready; ignored with wait.',
    }),
  ),
  healthCheckExprs: Type.Optional(Type.Array(CustomHealthCheckSchema)),
  wait: Type.Optional(Type.Boolean({ description: 'Wait for every applied object to become ready.' })),
  force: Type.Optional(
    Type.Boolean({ default: false, description: 'Recreate objects whose immutable fields changed.' }),
  ),
  ignore: Type.Optional(Type.Array(IgnoreRuleSchema, { description: 'Fields left out of drift detection.' })),
});
/** `spec` of a Kustomization. */
export type KustomizationSpec = Static<typeof KustomizationSpecSchema>;

/** `status` of a Kustomization; defaults to `{observedGeneration: -1}`. */
export const KustomizationStatusSchema = Type.Object(
  {
    ...CommonStatusProperties,
    lastAppliedRevision: Type.Optional(Type.String()),
    lastAppliedOriginRevision: Type.Optional(Type.String()),
    lastAttemptedRevision: Type.Optional(Type.String()),
    inventory: Type.Optional(ResourceInventorySchema),
    history: Type.Optional(Type.Array(SnapshotSchema)),
  },
  { default: StatusDefault },
);
/** `status` of a Kustomization. */
export type KustomizationStatus = Static<typeof KustomizationStatusSchema>;

/** The whole Kustomization object, for validating objects read from files or the API. */
export const KustomizationSchema = kubeObjectSchema(KustomizationSpecSchema, KustomizationStatusSchema);

/** A Kustomization object. */
export type Kustomization = FluxObject<KustomizationSpec, KustomizationStatus>;

/** apiVersion and kind of Kustomization. */
export const KustomizationTypeMeta = { apiVersion: ApiVersions.kustomize, kind: Kinds.Kustomization } as const;

const minTimeoutMs = 30_000;

/** Reconcile interval in ms; throws InvalidDurationError when malformed. */
export function kustomizationIntervalMs(spec: Pick<KustomizationSpec, 'interval'>): number {
  return parseDuration(spec.interval, 'spec.interval');
}

/** Build/apply/health timeout in ms: `spec.timeout`, else `interval - 30s`; never below 30 s (Flux's GetTimeout). */
export function kustomizationTimeoutMs(spec: Pick<KustomizationSpec, 'interval' | 'timeout'>): number {
  const ms =
    spec.timeout === undefined
      ? kustomizationIntervalMs(spec) - minTimeoutMs
      : parseDuration(spec.timeout, 'spec.timeout');
  return Math.max(ms, minTimeoutMs);
}

/** Requeue delay after a failure in ms: `spec.retryInterval`, else the interval. */
export function retryIntervalMs(spec: Pick<KustomizationSpec, 'interval' | 'retryInterval'>): number {
  return spec.retryInterval === undefined
    ? kustomizationIntervalMs(spec)
    : parseDuration(spec.retryInterval, 'spec.retryInterval');
}

/** `spec.deletionPolicy`, defaulting to MirrorPrune (delete applied objects on finalize iff `prune`). */
export function deletionPolicy(spec: Pick<KustomizationSpec, 'deletionPolicy'>): DeletionPolicy {
  return spec.deletionPolicy ?? 'MirrorPrune';
}

/** Whether finalizing should delete the inventory: never when suspended; per policy otherwise. */
export function shouldPruneOnDelete(spec: Pick<KustomizationSpec, 'deletionPolicy' | 'prune' | 'suspend'>): boolean {
  if (spec.suspend) return false;
  const policy = deletionPolicy(spec);
  if (policy === 'MirrorPrune') return spec.prune;
  return policy === 'Delete' || policy === 'WaitForTermination';
}

/** CRD definition of Kustomization (columns and names as Flux's). */
export const KustomizationCrd: CrdDefinition = {
  group: Groups.kustomize,
  version: 'v1',
  kind: Kinds.Kustomization,
  plural: 'kustomizations',
  singular: 'kustomization',
  shortNames: ['ks'],
  categories: ['all', 'fluxcd', 'fluxcd-appliers'],
  description: 'Kustomization builds a path of a source artifact with kustomize and applies the result to the cluster.',
  specSchema: KustomizationSpecSchema,
  statusSchema: KustomizationStatusSchema,
  printerColumns: [AgeColumn, ReadyColumn, StatusColumn],
};

/** `spec.sourceRef` with Flux's defaults filled in: the source API version and the Kustomization's namespace. */
export function kustomizationSourceRef(ks: Pick<Kustomization, 'metadata' | 'spec'>): Required<KustomizationSourceRef> {
  const ref = ks.spec.sourceRef;
  return {
    apiVersion: ref.apiVersion ?? ApiVersions.source,
    kind: ref.kind,
    name: ref.name,
    namespace: ref.namespace ?? ks.metadata.namespace ?? '',
  };
}
