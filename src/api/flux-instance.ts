// FluxInstance (fluxcd.controlplane.io/v1): what this Driftless installation runs, as the Flux Operator's
// kind declares it. Fields that only make sense for controller images, Pods or platform tuning are refused
// by name when set (NotSupported, see api/field-support-flux-instance.ts), never silently ignored.
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { AgeColumn, ReadyColumn, StatusColumn } from './crd-definition.ts';
import type { CrdDefinition } from './crd-definition.ts';
import { ControlPlaneAnnotations, ControlPlaneApiVersion, ControlPlaneGroup } from './flux-report.ts';
import { KustomizePatchSchema } from './kustomization.ts';
import { CommonStatusProperties, ResourceInventorySchema, SnapshotSchema } from './meta.ts';
import type { FluxObject } from './meta.ts';
import { Duration, StringEnum, StringMap } from './schema-types.ts';

/** The only name a FluxInstance may have (enforced by the CRD's CEL rule). */
export const FluxInstanceName = 'flux';

/** Finalizer the FluxInstance reconciler puts on the instance (the Flux Operator's). */
export const FluxInstanceFinalizer = `${ControlPlaneGroup}/finalizer`;

/** apiVersion and kind of FluxInstance. */
export const FluxInstanceTypeMeta = { apiVersion: ControlPlaneApiVersion, kind: 'FluxInstance' } as const;

/** Every component name a FluxInstance may list (the Flux controllers). */
export const FluxComponents = [
  'source-controller',
  'kustomize-controller',
  'helm-controller',
  'notification-controller',
  'image-reflector-controller',
  'image-automation-controller',
  'source-watcher',
] as const;
/** A Flux component name. */
export type FluxComponent = (typeof FluxComponents)[number];

/** Source kinds `spec.sync.kind` accepts. */
export const SyncKinds = ['GitRepository', 'OCIRepository', 'Bucket'] as const;

/** Annotations the reconciler reads on the instance, besides `reconcile.fluxcd.io/requestedAt`. */
export const FluxInstanceAnnotations = {
  /** `disabled` pauses the instance (and keeps its objects on deletion); `enabled` resumes. */
  reconcile: ControlPlaneAnnotations.reconcile,
  /** Go duration between periodic reconciles (default 1h). */
  reconcileEvery: ControlPlaneAnnotations.reconcileEvery,
  /** Go duration: how long `spec.wait` waits for the generated objects (default 5m). */
  reconcileTimeout: `${ControlPlaneGroup}/reconcileTimeout`,
} as const;

/** Labels put on every object the instance generates; pruning only deletes objects that carry them. */
export const FluxInstanceLabels = {
  name: `${ControlPlaneGroup}/name`,
  namespace: `${ControlPlaneGroup}/namespace`,
} as const;

/** Ready/Stalled reasons of a FluxInstance beyond Flux's generic ones. */
export const FluxInstanceReasons = {
  /** The spec asks for something this Driftless version cannot run (a component, a sync kind, persistent shards). */
  NotSupported: 'NotSupported',
  /**
   * `spec.cluster`, `spec.components` or `spec.sharding` disagree with what the running managers serve; a
   * restart with other flags (or `driftless install --instance`) fixes it.
   */
  ManagerConfigMismatch: 'ManagerConfigMismatch',
  /** A component runs in the manager although `spec.components` leaves it out (event only). */
  ComponentCannotBeDisabled: 'ComponentCannotBeDisabled',
  /** `fluxcd.controlplane.io/reconcile: disabled` (event only). */
  ReconciliationDisabled: 'ReconciliationDisabled',
} as const;

/** `spec.distribution`: Driftless pulls no images; `version` is recorded, `registry` only labels the metric. */
export const DistributionSchema = Type.Object({
  version: Type.String({ description: 'Flux version (semver or range, e.g. 2.x); recorded in the revision.' }),
  registry: Type.String({
    description: 'Image registry; Driftless pulls no images, it is only shown in flux_instance_info.',
  }),
  variant: Type.Optional(
    StringEnum(
      ['upstream-alpine', 'enterprise-alpine', 'enterprise-distroless', 'enterprise-distroless-fips'] as const,
      {
        description: 'Image variant; refused by Driftless (NotSupported) when set.',
      },
    ),
  ),
  imagePullSecret: Type.Optional(Type.String({ description: 'Refused by Driftless when set: no images are pulled.' })),
  artifact: Type.Optional(
    Type.String({
      pattern: '^oci://.*$',
      description: 'OCI artifact with the Flux manifests; refused by Driftless when set.',
    }),
  ),
  artifactPullSecret: Type.Optional(Type.String({ description: 'Refused by Driftless when set.' })),
});
/** `spec.distribution` of a FluxInstance. */
export type Distribution = Static<typeof DistributionSchema>;

/** `spec.cluster`: multi-tenancy must match the manager's flags; the other fields are recorded only. */
export const ClusterSchema = Type.Object({
  type: Type.Optional(
    StringEnum(['kubernetes', 'openshift', 'aws', 'azure', 'gcp'] as const, {
      description: 'Refused by Driftless when set.',
    }),
  ),
  size: Type.Optional(
    StringEnum(['small', 'medium', 'large'] as const, { description: 'Refused by Driftless when set.' }),
  ),
  multitenant: Type.Optional(
    Type.Boolean({ description: 'Multi-tenancy lockdown; must match `driftless run --no-cross-namespace-refs`.' }),
  ),
  multitenantWorkloadIdentity: Type.Optional(Type.Boolean({ description: 'Not supported by Driftless when true.' })),
  objectLevelWorkloadIdentity: Type.Optional(Type.Boolean({ description: 'Not supported by Driftless when true.' })),
  tenantDefaultServiceAccount: Type.Optional(
    Type.String({
      description:
        'Default service account in multitenant mode (default "default"); must match `--default-service-account`.',
    }),
  ),
  tenantDefaultDecryptionServiceAccount: Type.Optional(Type.String({ description: 'Refused by Driftless when set.' })),
  tenantDefaultKubeConfigServiceAccount: Type.Optional(Type.String({ description: 'Refused by Driftless when set.' })),
  networkPolicy: Type.Optional(
    Type.Boolean({ description: 'Refused by Driftless when true: it creates no NetworkPolicies.' }),
  ),
  domain: Type.Optional(Type.String({ description: 'Refused by Driftless when set.' })),
});
/** `spec.cluster` of a FluxInstance. */
export type ClusterSpec = Static<typeof ClusterSchema>;

/** `spec.sync`: the cluster's own source and Kustomization, created with bootstrap naming. */
export const SyncSchema = Type.Object({
  kind: StringEnum(SyncKinds, { description: 'Kind of the generated source.' }),
  url: Type.String({ minLength: 1, description: 'Source URL (the endpoint for a Bucket).' }),
  ref: Type.String({
    minLength: 1,
    description:
      'Git ref (refs/heads/<branch>, refs/tags/<tag>, another refs/… name, or a branch name), OCI tag, or bucket name.',
  }),
  path: Type.String({ description: 'Path of the Kustomization inside the source.' }),
  pullSecret: Type.Optional(
    Type.String({ description: 'Secret with the source credentials (secretRef of the source).' }),
  ),
  provider: Type.Optional(StringEnum(['generic', 'aws', 'azure', 'gcp', 'github'] as const)),
  interval: Type.Optional(Duration({ description: 'Interval of the source and the Kustomization (default 1m).' })),
  name: Type.Optional(
    Type.String({
      maxLength: 63,
      description: 'Name of the source and Kustomization (default: the namespace name); immutable.',
    }),
  ),
});
/** `spec.sync` of a FluxInstance. */
export type SyncSpec = Static<typeof SyncSchema>;

/** `spec` of a FluxInstance. */
export const FluxInstanceSpecSchema = Type.Object({
  distribution: DistributionSchema,
  components: Type.Optional(
    Type.Array(StringEnum(FluxComponents), {
      description: 'Components expected to run; default: the reconciler groups of this Driftless manager.',
    }),
  ),
  cluster: Type.Optional(ClusterSchema),
  sync: Type.Optional(SyncSchema),
  kustomize: Type.Optional(
    Type.Object({
      patches: Type.Optional(
        Type.Array(KustomizePatchSchema, {
          description: 'Strategic-merge or JSON6902 patches of the generated sync objects.',
        }),
      ),
    }),
  ),
  storage: Type.Optional(
    Type.Object(
      { class: Type.String(), size: Type.String() },
      { description: 'Refused by Driftless when set: artifacts live in --storage-path.' },
    ),
  ),
  sharding: Type.Optional(
    Type.Object(
      {
        key: Type.Optional(Type.String({ description: 'Sharding label key (default sharding.fluxcd.io/key).' })),
        shards: Type.Array(Type.String(), { minItems: 1 }),
        storage: Type.Optional(StringEnum(['ephemeral', 'persistent'] as const)),
      },
      {
        description:
          'Shards: one Driftless process per shard (driftless install --instance); persistent storage is refused.',
      },
    ),
  ),
  commonMetadata: Type.Optional(
    Type.Object(
      { labels: Type.Optional(StringMap()), annotations: Type.Optional(StringMap()) },
      { description: 'Labels and annotations added to the generated objects.' },
    ),
  ),
  migrateResources: Type.Optional(Type.Boolean({ description: 'Refused by Driftless when true.' })),
  wait: Type.Optional(Type.Boolean({ description: 'Wait for the generated objects to be ready (default true).' })),
});
/** `spec` of a FluxInstance. */
export type FluxInstanceSpec = Static<typeof FluxInstanceSpecSchema>;

/** `status` of a FluxInstance. */
export const FluxInstanceStatusSchema = Type.Object({
  ...CommonStatusProperties,
  lastAttemptedRevision: Type.Optional(
    Type.String({ description: '<distribution.version>@sha256:<digest of the generated objects>.' }),
  ),
  lastAppliedRevision: Type.Optional(Type.String()),
  inventory: Type.Optional(ResourceInventorySchema),
  history: Type.Optional(Type.Array(SnapshotSchema)),
});
/** `status` of a FluxInstance. */
export type FluxInstanceStatus = Static<typeof FluxInstanceStatusSchema>;

/** A FluxInstance object. */
export type FluxInstance = FluxObject<FluxInstanceSpec, FluxInstanceStatus>;

const sync = 'has(self.spec) && has(self.spec.sync)';
const oldSync = 'has(oldSelf.spec) && has(oldSelf.spec.sync)';

/** CRD definition of FluxInstance: names and columns as the Flux Operator's, singleton and sync rules in CEL. */
export const FluxInstanceCrd: CrdDefinition = {
  group: ControlPlaneGroup,
  version: 'v1',
  kind: 'FluxInstance',
  plural: 'fluxinstances',
  singular: 'fluxinstance',
  shortNames: [],
  categories: ['fluxcd', 'fluxcd-appliers'],
  description: 'FluxInstance declares what this Flux (Driftless) installation runs and the cluster sync it owns.',
  specSchema: FluxInstanceSpecSchema,
  statusSchema: FluxInstanceStatusSchema,
  validations: [
    { rule: `self.metadata.name == '${FluxInstanceName}'`, message: `the only accepted name is '${FluxInstanceName}'` },
    {
      rule: `!(${sync} && has(self.spec.sync.provider)) || self.spec.sync.provider != 'github' || self.spec.sync.kind == 'GitRepository'`,
      message: "spec.sync.provider 'github' is only supported with kind GitRepository",
    },
    {
      rule: `!(${sync} && has(self.spec.sync.provider)) || self.spec.sync.provider != 'gcp' || self.spec.sync.kind != 'GitRepository'`,
      message: "spec.sync.provider 'gcp' is not supported with kind GitRepository",
    },
    {
      rule: `!(${sync} && has(self.spec.sync.name) && ${oldSync} && has(oldSelf.spec.sync.name)) || self.spec.sync.name == oldSelf.spec.sync.name`,
      message: 'spec.sync.name is immutable',
    },
  ],
  printerColumns: [
    AgeColumn,
    ReadyColumn,
    StatusColumn,
    { name: 'Revision', type: 'string', jsonPath: '.status.lastAttemptedRevision', priority: 10 },
  ],
};
