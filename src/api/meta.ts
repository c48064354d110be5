// Shared schemas of fluxcd/pkg apis/meta and metav1: conditions, artifacts, references,
// inventory and history. Each schema is the single source of its TypeScript type.
import { Type } from '@sinclair/typebox';
import type { Static, TObject } from '@sinclair/typebox';
import { DateTime, Int64, NamespaceName, ObjectName, StringEnum, StringMap } from './schema-types.ts';

/** metav1.Condition, with the API server's own validation rules. */
export const ConditionSchema = Type.Object({
  type: Type.String({
    maxLength: 316,
    pattern:
      '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$',
  }),
  status: StringEnum(['True', 'False', 'Unknown'] as const),
  observedGeneration: Type.Optional(Int64({ minimum: 0 })),
  lastTransitionTime: DateTime(),
  reason: Type.String({ minLength: 1, maxLength: 1024, pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$' }),
  message: Type.String({ maxLength: 32768 }),
});
/** One status condition. */
export type Condition = Static<typeof ConditionSchema>;

/** A stored source artifact (`status.artifact`); `digest` is `<algo>:<hex>`. */
export const ArtifactSchema = Type.Object({
  path: Type.String(),
  url: Type.String(),
  revision: Type.String(),
  digest: Type.String({ pattern: '^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$' }),
  lastUpdateTime: DateTime(),
  size: Type.Optional(Int64()),
  metadata: Type.Optional(StringMap()),
});
/** A stored source artifact. */
export type Artifact = Static<typeof ArtifactSchema>;

/** A reference to an object in the same namespace. */
export const LocalObjectReferenceSchema = Type.Object({ name: ObjectName() });
/** A reference to an object in the same namespace. */
export type LocalObjectReference = Static<typeof LocalObjectReferenceSchema>;

/** A reference to an object, in another namespace when `namespace` is set. */
export const NamespacedObjectReferenceSchema = Type.Object({
  name: ObjectName(),
  namespace: Type.Optional(NamespaceName()),
});
/** A reference to an object, possibly in another namespace. */
export type NamespacedObjectReference = Static<typeof NamespacedObjectReferenceSchema>;

/** A reference to an object of any kind (Kustomization `healthChecks`). */
export const NamespacedObjectKindReferenceSchema = Type.Object({
  apiVersion: Type.Optional(Type.String()),
  kind: Type.String({ minLength: 1 }),
  name: ObjectName(),
  namespace: Type.Optional(NamespaceName()),
});
/** A reference to an object of any kind. */
export type NamespacedObjectKindReference = Static<typeof NamespacedObjectKindReferenceSchema>;

/** A key of a Secret in the same namespace. */
export const SecretKeyReferenceSchema = Type.Object({
  name: ObjectName(),
  key: Type.Optional(Type.String()),
});
/** A key of a Secret in the same namespace. */
export type SecretKeyReference = Static<typeof SecretKeyReferenceSchema>;

/** Where to find a kubeconfig for a remote cluster (a Secret key, or a ConfigMap for workload identity). */
export const KubeConfigReferenceSchema = Type.Object({
  secretRef: Type.Optional(SecretKeyReferenceSchema),
  configMapRef: Type.Optional(LocalObjectReferenceSchema),
});
/** Where to find a kubeconfig for a remote cluster. */
export type KubeConfigReference = Static<typeof KubeConfigReferenceSchema>;

/** A `dependsOn` entry; `readyExpr` is a CEL expression over `dep` and `self`. */
export const DependencyReferenceSchema = Type.Object({
  name: ObjectName(),
  namespace: Type.Optional(NamespaceName()),
  readyExpr: Type.Optional(Type.String()),
});
/** A `dependsOn` entry. */
export type DependencyReference = Static<typeof DependencyReferenceSchema>;

/** Builds a source reference schema that accepts only the given source kinds. */
export function crossNamespaceSourceReference<const K extends readonly string[]>(kinds: K) {
  return Type.Object({
    apiVersion: Type.Optional(Type.String()),
    kind: StringEnum(kinds),
    name: ObjectName(),
    namespace: Type.Optional(NamespaceName()),
  });
}

/** A reference to a source object, possibly in another namespace (the shape all source refs share). */
export type CrossNamespaceSourceReference = {
  apiVersion?: string;
  kind: string;
  name: string;
  namespace?: string;
};

/** One applied object: `id` is `<namespace>_<name>_<group>_<kind>`, `v` its version. */
export const ResourceRefSchema = Type.Object({ id: Type.String(), v: Type.String() });
/** One applied object in an inventory. */
export type ResourceRef = Static<typeof ResourceRefSchema>;

/** The set of objects a Kustomization (or HelmRelease) applied, kept in status for pruning. */
export const ResourceInventorySchema = Type.Object({ entries: Type.Array(ResourceRefSchema) });
/** The set of applied objects. */
export type ResourceInventory = Static<typeof ResourceInventorySchema>;

/** A `status.history` entry (meta.Snapshot): one per distinct (digest, status), newest first. */
export const SnapshotSchema = Type.Object({
  digest: Type.String(),
  firstReconciled: DateTime(),
  lastReconciled: DateTime(),
  /** A Go duration string, e.g. `2.818583s` (metav1.Duration, no pattern in Flux). */
  lastReconciledDuration: Type.String(),
  lastReconciledStatus: Type.String(),
  totalReconciliations: Int64(),
  metadata: Type.Optional(StringMap()),
});
/** A `status.history` entry. */
export type Snapshot = Static<typeof SnapshotSchema>;

/** Flux keeps at most this many history entries. */
export const MaxHistoryEntries = 5;

/** Status fields every Flux kind carries; spread into a kind's status schema. */
export const CommonStatusProperties = {
  observedGeneration: Type.Optional(Int64()),
  conditions: Type.Optional(Type.Array(ConditionSchema)),
  lastHandledReconcileAt: Type.Optional(Type.String()),
};

/** meta.ReconcileRequestStatus: the last `reconcile.fluxcd.io/requestedAt` token handled. */
export const ReconcileRequestStatusSchema = Type.Object({
  lastHandledReconcileAt: Type.Optional(Type.String()),
});
/** The last reconcile request token handled. */
export type ReconcileRequestStatus = Static<typeof ReconcileRequestStatusSchema>;

/** Status default as kubebuilder declares it, so a fresh object reads as "never observed". */
export const StatusDefault = { observedGeneration: -1 } as const;

/** Object metadata, loosely typed: the fields controllers read; anything else passes through. */
export const ObjectMetaSchema = Type.Object({
  name: Type.String(),
  namespace: Type.Optional(Type.String()),
  uid: Type.Optional(Type.String()),
  generation: Type.Optional(Type.Integer()),
  resourceVersion: Type.Optional(Type.String()),
  creationTimestamp: Type.Optional(Type.String()),
  deletionTimestamp: Type.Optional(Type.String()),
  labels: Type.Optional(StringMap()),
  annotations: Type.Optional(StringMap()),
  finalizers: Type.Optional(Type.Array(Type.String())),
});
/** Object metadata (the subset controllers read). */
export type ObjectMeta = Static<typeof ObjectMetaSchema> & { [key: string]: unknown };

/** Builds the full object schema of a kind from its spec and status schemas. */
export function kubeObjectSchema<S extends TObject, T extends TObject>(spec: S, status: T) {
  return Type.Object({
    apiVersion: Type.String(),
    kind: Type.String(),
    metadata: ObjectMetaSchema,
    spec,
    status: Type.Optional(status),
  });
}

/** A typed Flux object: the KubeObject shape with a kind's spec and optional status. */
export type FluxObject<Spec, Status> = {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec: Spec;
  status?: Status;
};
